/// Serialising JSON the way PHP's `json_encode` does by default: `/` escaped as `\/`,
/// every non-ASCII character as `\uXXXX` (surrogate pairs above the BMP).
extension JSON {
    /// Options for `serialized(_:)`.
    public struct WriteOptions: Sendable {
        /// Escape non-ASCII characters as `\uXXXX` (PHP's default); otherwise write UTF-8.
        public var escapeUnicode: Bool
        /// Escape `/` as `\/` (PHP's default).
        public var escapeSlashes: Bool

        /// Creates options.
        public init(escapeUnicode: Bool, escapeSlashes: Bool) {
            self.escapeUnicode = escapeUnicode
            self.escapeSlashes = escapeSlashes
        }

        /// Compact UTF-8, slashes unescaped.
        public static let compact = WriteOptions(escapeUnicode: false, escapeSlashes: false)
        /// What PHP's `json_encode` writes by default, as the Bitrix24 server does.
        public static let php = WriteOptions(escapeUnicode: true, escapeSlashes: true)
    }

    /// The compact JSON text of this value.
    public func serialized(_ options: WriteOptions = .compact) -> String {
        var bytes: [UInt8] = []
        write(into: &bytes, options)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the compact JSON text of this value to `bytes`.
    public func write(into bytes: inout [UInt8], _ options: WriteOptions = .compact) {
        switch self {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let value): bytes.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): bytes.append(contentsOf: String(value).utf8)
        case .double(let value):
            if value.isFinite {
                if value == value.rounded(), abs(value) < 1e15 {
                    bytes.append(contentsOf: String(Int64(value)).utf8)
                } else {
                    bytes.append(contentsOf: String(value).utf8)
                }
            } else {
                bytes.append(contentsOf: "null".utf8)
            }
        case .string(let value): Self.writeString(value, into: &bytes, options)
        case .array(let array):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                element.write(into: &bytes, options)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for (key, value) in object {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                Self.writeString(key, into: &bytes, options)
                bytes.append(UInt8(ascii: ":"))
                value.write(into: &bytes, options)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeEscape(_ unit: UInt16, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(UInt8(ascii: "u"))
        bytes.append(hexDigits[Int(unit >> 12 & 0xF)])
        bytes.append(hexDigits[Int(unit >> 8 & 0xF)])
        bytes.append(hexDigits[Int(unit >> 4 & 0xF)])
        bytes.append(hexDigits[Int(unit & 0xF)])
    }

    private static func writeString(_ value: String, into bytes: inout [UInt8], _ options: WriteOptions) {
        bytes.append(UInt8(ascii: "\""))
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": bytes.append(contentsOf: "\\\"".utf8)
            case "\\": bytes.append(contentsOf: "\\\\".utf8)
            case "/" where options.escapeSlashes: bytes.append(contentsOf: "\\/".utf8)
            case "\n": bytes.append(contentsOf: "\\n".utf8)
            case "\r": bytes.append(contentsOf: "\\r".utf8)
            case "\t": bytes.append(contentsOf: "\\t".utf8)
            case "\u{8}": bytes.append(contentsOf: "\\b".utf8)
            case "\u{C}": bytes.append(contentsOf: "\\f".utf8)
            default:
                if scalar.value < 0x20 {
                    writeEscape(UInt16(scalar.value), into: &bytes)
                } else if scalar.value < 0x80 {
                    bytes.append(UInt8(scalar.value))
                } else if options.escapeUnicode {
                    for unit in String(scalar).utf16 { writeEscape(unit, into: &bytes) }
                } else {
                    bytes.append(contentsOf: String(scalar).utf8)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
