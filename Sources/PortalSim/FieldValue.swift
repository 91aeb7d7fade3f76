import B24Core

/// A field value inside the simulator, before it is written in the shape a method uses.
public enum FieldValue: Sendable, Equatable {
    /// No value.
    case null
    /// An integer (ids, counts).
    case int(Int64)
    /// Money in cents, written `"1500.00"`.
    case money(Int64)
    /// A floating-point number.
    case double(Double)
    /// Text.
    case string(String)
    /// A date and time (unix seconds).
    case date(Int64)
    /// A `Y`/`N` flag.
    case flag(Bool)
    /// Several integers (multiple enumeration values).
    case ints([Int64])
    /// Phones or e-mails.
    case multifield([SimMultifield])
    /// A value already in its legacy JSON shape (custom fields of the other user types).
    case json(JSON)

    /// The value as an integer the way PHP's `(int)` casts it, for filter comparisons.
    var integerValue: Int64? {
        switch self {
        case .int(let value): return value
        case .money(let cents): return cents / 100
        case .double(let value): return value.isFinite ? Int64(value) : nil
        case .string(let text): return PHPCast.intval(text)
        case .date(let value): return value
        case .flag(let value): return value ? 1 : 0
        case .null, .ints, .multifield, .json: return nil
        }
    }

    /// The value as a double, for filter comparisons and ordering.
    var doubleValue: Double? {
        switch self {
        case .money(let cents): return Double(cents) / 100
        case .double(let value): return value
        case .string(let text): return Double(text)
        default: return integerValue.map(Double.init)
        }
    }

    /// Whether the value counts as empty for `=""` filters.
    var isEmpty: Bool {
        switch self {
        case .null: return true
        case .string(let text): return text.isEmpty
        case .ints(let values): return values.isEmpty
        case .multifield(let values): return values.isEmpty
        case .json(let value): return value == .bool(false) || value == .string("")
        default: return false
        }
    }
}

/// PHP's scalar casts, which the server applies to filter values.
enum PHPCast {
    /// `intval($text)`: leading whitespace, optional sign, leading digits; 0 when none.
    static func intval(_ text: String) -> Int64 {
        var digits = ""
        var started = false
        for character in text {
            if !started, character == " " || character == "\t" || character == "\n" { continue }
            if !started, character == "-" || character == "+" {
                digits.append(character)
                started = true
                continue
            }
            guard character.isASCII, character.isNumber else { break }
            digits.append(character)
            started = true
        }
        guard let value = Int64(digits) else {
            return digits.count > 1 && digits.allSatisfy({ $0.isNumber || $0 == "-" || $0 == "+" })
                ? (digits.hasPrefix("-") ? Int64.min : Int64.max) : 0
        }
        return value
    }
}
