/// Lenient reading of API values, which arrive in several spellings: a number as `5`, `"5"` or
/// `"5.00"`; a flag as `"Y"`, `"N"`, `true`, `1`; an empty value as `""`, `null`, `false`,
/// `"0"` (for references) or a missing key.
extension JSON {
    /// An integer from a number or numeric string (`"5"`, `5`, `5.0`, `"5.00"`); `nil` when empty or not integral.
    public var lenientInt: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value):
            return value.isFinite && value == value.rounded() && abs(value) < 9.2e18 ? Int64(value) : nil
        case .string(let text):
            let trimmed = text.trimmingSpaces
            if let value = Int64(trimmed) { return value }
            if let value = Double(trimmed), value.isFinite, value == value.rounded(), abs(value) < 9.2e18 {
                return Int64(value)
            }
            return nil
        default: return nil
        }
    }

    /// An id or reference: a positive integer, or `nil` for every empty spelling (`""`, `null`, `false`, `"0"`, `0`).
    public var lenientReference: Int64? {
        guard let value = lenientInt, value > 0 else { return nil }
        return value
    }

    /// A decimal number as canonical text for a `numeric` column (`"1500.00"`, `1500`, `"1e3"` → `1500.00`, `1500`, `1000`);
    /// `nil` for empty values, non-numbers and values that are not finite.
    public var lenientDecimalText: String? {
        switch self {
        case .int(let value): return String(value)
        case .double(let value): return value.isFinite ? Self.decimalText(value) : nil
        case .string(let text):
            let trimmed = text.trimmingSpaces
            guard !trimmed.isEmpty else { return nil }
            if Self.isPlainDecimal(trimmed) { return trimmed }
            guard let value = Double(trimmed), value.isFinite else { return nil }
            return Self.decimalText(value)
        default: return nil
        }
    }

    /// A floating-point number from a number or numeric string.
    public var lenientDouble: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value.isFinite ? value : nil
        case .string(let text): return Double(text.trimmingSpaces).flatMap { $0.isFinite ? $0 : nil }
        default: return nil
        }
    }

    /// A flag: `"Y"`, `"1"`, `"true"`, `true`, `1` are true; `"N"`, `"0"`, `"false"`, `false`, `0` false; else `nil`.
    public var lenientBool: Bool? {
        switch self {
        case .bool(let value): return value
        case .int(let value): return value == 0 ? false : (value == 1 ? true : nil)
        case .double(let value): return value == 0 ? false : (value == 1 ? true : nil)
        case .string(let text):
            switch text.trimmingSpaces.uppercased() {
            case "Y", "1", "TRUE", "YES": return true
            case "N", "0", "FALSE", "NO", "": return text.isEmpty ? nil : false
            default: return nil
            }
        default: return nil
        }
    }

    /// Text, or `nil` for `null`, `false` and `""`; numbers become their text.
    public var lenientText: String? {
        switch self {
        case .string(let text): return text.isEmpty ? nil : text
        case .int(let value): return String(value)
        case .double(let value): return value.isFinite ? Self.decimalText(value) : nil
        case .bool(let value): return value ? "1" : nil
        default: return nil
        }
    }

    /// Whether this is one of the "no value" spellings: `null`, `""`, `false`, `[]`, `{}`.
    public var isEmptyValue: Bool {
        switch self {
        case .null: return true
        case .string(let text): return text.isEmpty
        case .bool(let value): return !value
        case .array(let array): return array.isEmpty
        case .object(let object): return object.isEmpty
        default: return false
        }
    }

    /// A finite double as plain decimal text (no exponent), as PHP and PostgreSQL read it.
    public static func decimalText(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func isPlainDecimal(_ text: String) -> Bool {
        var digits = 0
        var dots = 0
        for (index, character) in text.enumerated() {
            if character == "-" || character == "+" {
                if index != 0 { return false }
            } else if character == "." {
                dots += 1
            } else if character.isASCII, character.isNumber {
                digits += 1
            } else {
                return false
            }
        }
        return digits > 0 && dots <= 1 && digits <= 30
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return String(slice)
    }
}
