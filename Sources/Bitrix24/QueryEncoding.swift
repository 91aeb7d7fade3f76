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
        for (key, value) in parameters { append(value, prefix: PercentEncoding.encode(key), into: &pairs) }
        return pairs.joined(separator: "&")
    }

    private static func append(_ value: JSON, prefix: String, into pairs: inout [String]) {
        switch value {
        case .object(let object):
            if object.isEmpty { pairs.append(prefix + "=") }
            for (key, child) in object {
                append(child, prefix: prefix + "[" + PercentEncoding.encode(key) + "]", into: &pairs)
            }
        case .array(let array):
            if array.isEmpty { pairs.append(prefix + "=") }
            for (index, child) in array.enumerated() { append(child, prefix: prefix + "[\(index)]", into: &pairs) }
        case .string(let text): pairs.append(prefix + "=" + PercentEncoding.encode(text))
        case .int(let number): pairs.append(prefix + "=" + String(number))
        case .double(let number): pairs.append(prefix + "=" + PercentEncoding.encode(JSON.decimalText(number)))
        case .bool(let flag): pairs.append(prefix + "=" + (flag ? "1" : "0"))
        case .null: pairs.append(prefix + "=")
        }
    }
}
