import CLibPQ

/// Encodes rows into PostgreSQL's COPY text format and streams them to the server.
///
/// Values go straight into one reusable byte buffer, which is handed to libpq whenever it
/// holds at least 64 KiB. Backslash, tab, newline and carriage return are escaped; `nil`
/// becomes `\N`; NUL characters, which PostgreSQL text cannot hold, are dropped and counted.
/// A writer exists only inside `Connection.copyFrom(_:_:)`, which ends or aborts the COPY.
public struct CopyWriter: ~Copyable {
    /// Bytes the buffer collects before it is sent; at least 64 KiB per libpq call.
    public static let flushThreshold = 64 * 1024

    private let handle: OpaquePointer
    var buffer: [UInt8]
    private var fieldsInRow = 0
    /// Values every row must hold (the COPY's column count), or 0 when the statement named none.
    let expectedFields: Int
    /// Set when libpq refused data; the server's reason is read when the COPY is ended.
    private(set) var sendFailure: PostgresError?

    /// Rows completed with `endRow()` so far.
    public private(set) var rows = 0
    /// Bytes of COPY data produced so far (sent or still buffered).
    public private(set) var bytes = 0
    /// NUL characters removed from text values so far.
    public private(set) var strippedNULs = 0

    init(handle: OpaquePointer, buffer: [UInt8], expectedFields: Int = 0) {
        self.handle = handle
        self.expectedFields = expectedFields
        self.buffer = buffer
        self.buffer.removeAll(keepingCapacity: true)
        self.buffer.reserveCapacity(Self.flushThreshold * 2)
    }

    /// Appends a text value; `nil` is SQL NULL.
    public mutating func append(_ value: String?) {
        separate()
        guard var value else {
            appendNull()
            return
        }
        value.withUTF8 { appendEscaped($0) }
    }

    /// Appends raw UTF-8 bytes as a text value (escaped like a string).
    public mutating func append(utf8 value: UnsafeBufferPointer<UInt8>) {
        separate()
        appendEscaped(value)
    }

    /// Appends an integer; `nil` is SQL NULL.
    public mutating func append(_ value: Int64?) {
        separate()
        guard let value else {
            appendNull()
            return
        }
        appendDecimal(value)
    }

    /// Appends an integer; `nil` is SQL NULL.
    public mutating func append(_ value: Int?) {
        append(value.map { Int64($0) })
    }

    /// Appends a boolean as `t` or `f`; `nil` is SQL NULL.
    public mutating func append(_ value: Bool?) {
        separate()
        guard let value else {
            appendNull()
            return
        }
        buffer.append(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }

    /// Appends a `timestamptz` from unix seconds, written in UTC; `nil` is SQL NULL.
    public mutating func append(epochSeconds value: Int64?) {
        separate()
        guard let value else {
            appendNull()
            return
        }
        let days = value >= 0 ? value / 86_400 : (value - 86_399) / 86_400
        let seconds = value - days * 86_400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        appendDigits(year, width: 4)
        buffer.append(UInt8(ascii: "-"))
        appendDigits(month, width: 2)
        buffer.append(UInt8(ascii: "-"))
        appendDigits(day, width: 2)
        buffer.append(UInt8(ascii: " "))
        appendDigits(seconds / 3_600, width: 2)
        buffer.append(UInt8(ascii: ":"))
        appendDigits(seconds / 60 % 60, width: 2)
        buffer.append(UInt8(ascii: ":"))
        appendDigits(seconds % 60, width: 2)
        buffer.append(contentsOf: "+00".utf8)
    }

    /// Appends a floating-point value in a form PostgreSQL reads back exactly; `nil` is SQL NULL.
    public mutating func append(_ value: Double?) {
        separate()
        guard let value else {
            appendNull()
            return
        }
        if value.isNaN {
            buffer.append(contentsOf: "NaN".utf8)
        } else if value.isInfinite {
            buffer.append(contentsOf: (value < 0 ? "-Infinity" : "Infinity").utf8)
        } else {
            buffer.append(contentsOf: value.description.utf8)
        }
    }

    /// Ends the current row and sends the buffer once it holds at least `flushThreshold` bytes.
    ///
    /// - Throws: `PostgresError` when libpq refuses the data (the server's reason follows at the end).
    public mutating func endRow() throws(PostgresError) {
        if expectedFields > 0, fieldsInRow != expectedFields {
            throw PostgresError(
                code: .copyFailed,
                message: "a COPY row holds \(fieldsInRow) values for \(expectedFields) columns (row \(rows + 1))")
        }
        buffer.append(UInt8(ascii: "\n"))
        fieldsInRow = 0
        rows += 1
        if buffer.count >= Self.flushThreshold {
            try flush()
        }
    }

    /// Appends every value of one row as text and ends the row.
    public mutating func appendRow(_ values: [String?]) throws(PostgresError) {
        for value in values { append(value) }
        try endRow()
    }

    /// Hands everything buffered to libpq.
    mutating func flush() throws(PostgresError) {
        guard !buffer.isEmpty else { return }
        if let sendFailure { throw sendFailure }
        let handle = self.handle
        let status = buffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                PQputCopyData(handle, chars.baseAddress, Int32(chars.count))
            }
        }
        bytes += buffer.count
        buffer.removeAll(keepingCapacity: true)
        guard status == 1 else {
            let failure = PostgresError(code: .copyFailed, message: Connection.errorMessage(handle))
            sendFailure = failure
            throw failure
        }
    }

    /// Bytes produced including what is still buffered.
    var totalBytes: Int {
        bytes + buffer.count
    }

    private mutating func separate() {
        if fieldsInRow > 0 { buffer.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
    }

    private mutating func appendNull() {
        buffer.append(UInt8(ascii: "\\"))
        buffer.append(UInt8(ascii: "N"))
    }

    private mutating func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for index in 0..<bytes.count {
            let escaped: UInt8
            switch bytes[index] {
            case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
            case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
            case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
            case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
            case 0: escaped = 0
            default: continue
            }
            if runStart < index {
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            }
            if escaped == 0 {
                strippedNULs += 1
            } else {
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(escaped)
            }
            runStart = index + 1
        }
        if runStart < bytes.count {
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
    }

    private mutating func appendDigits(_ value: Int64, width: Int) {
        if value < 0 {
            appendDecimal(value)
            return
        }
        var digits = 1
        var probe = value / 10
        while probe > 0 {
            digits += 1
            probe /= 10
        }
        if digits < width { buffer.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits)) }
        appendDecimal(value)
    }

    private mutating func appendDecimal(_ value: Int64) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digitCount = 1
        var probe = magnitude / 10
        while probe > 0 {
            digitCount += 1
            probe /= 10
        }
        let end = buffer.count + digitCount
        buffer.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digitCount))
        var position = end - 1
        repeat {
            buffer[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            position -= 1
        } while magnitude > 0
    }
}
