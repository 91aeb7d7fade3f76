import B24Core

/// Writes parameters in PHP bracket syntax (`filter[>ID]=5&select[0]=ID`), the form the portal's
/// `parse_str` reads — used for batch commands and OAuth token requests.
///
/// Every key segment and value is percent-encoded (all but `A–Z a–z 0–9 - _ . ~`), so `+`
/// becomes `%2B` (not a space), and `&`, `=`, `[`, `]`, `%`, `$` and non-ASCII travel intact.
public enum QueryEncoding {
    /// `key[sub]=value&…` for an object of parameters.
    public static func encode(_ parameters: JSONObject) -> String {
        var pairs: [String] = []
        for (key, value) in parameters { append(value, prefix: percentEncode(key), into: &pairs) }
        return pairs.joined(separator: "&")
    }

    /// Percent-encodes everything except unreserved characters.
    public static func percentEncode(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result.append("%")
                result.append(hex[Int(byte >> 4)])
                result.append(hex[Int(byte & 0xF)])
            }
        }
        return result
    }

    private static let hex: [Character] = Array("0123456789ABCDEF")

    private static func append(_ value: JSON, prefix: String, into pairs: inout [String]) {
        switch value {
        case .object(let object):
            if object.isEmpty { pairs.append(prefix + "=") }
            for (key, child) in object { append(child, prefix: prefix + "[" + percentEncode(key) + "]", into: &pairs) }
        case .array(let array):
            if array.isEmpty { pairs.append(prefix + "=") }
            for (index, child) in array.enumerated() { append(child, prefix: prefix + "[\(index)]", into: &pairs) }
        case .string(let text): pairs.append(prefix + "=" + percentEncode(text))
        case .int(let number): pairs.append(prefix + "=" + String(number))
        case .double(let number): pairs.append(prefix + "=" + percentEncode(JSON.decimalText(number)))
        case .bool(let flag): pairs.append(prefix + "=" + (flag ? "1" : "0"))
        case .null: pairs.append(prefix + "=")
        }
    }
}
