import B24Core

/// PHP's `parse_str` and `urldecode`, which the portal applies to form bodies, query strings
/// and batch commands: `a[b][]=1&c=x+y` becomes `{"a":{"b":{"0":"1"}},"c":"x y"}`.
public enum PHPQueryString {
    /// Parses a query string into nested objects; lists become objects keyed `0`, `1`, ….
    public static func parse(_ query: Substring) -> JSONObject {
        var root = JSONObject()
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = urldecode(parts[0])
            let value = parts.count > 1 ? urldecode(parts[1]) : ""
            guard let path = keyPath(key) else { continue }
            insert(value: .string(value), path: path[...], into: &root)
        }
        return root
    }

    /// Parses a query string into nested objects.
    public static func parse(_ query: String) -> JSONObject {
        parse(query[...])
    }

    /// `urldecode`: `+` is a space, `%XX` a byte; malformed escapes stay as they are.
    public static func urldecode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let high = hexValue(iterator[iterator.startIndex]),
                let low = hexValue(iterator[iterator.startIndex + 1])
            {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Splits `filter[>ID][]` into `["filter", ">ID", ""]` ("" means append), as PHP does:
    /// spaces and dots in the base name become `_`; an unclosed `[` ends the path.
    static func keyPath(_ key: String) -> [String]? {
        let trimmed = key.drop { $0 == " " }
        guard !trimmed.isEmpty else { return nil }
        guard let open = trimmed.firstIndex(of: "["), trimmed[open...].contains("]") else {
            return [phpBaseName(trimmed)]
        }
        let base = phpBaseName(trimmed[..<open])
        guard !base.isEmpty else { return nil }
        var path = [base]
        var rest = trimmed[open...]
        while rest.first == "[" {
            guard let close = rest.firstIndex(of: "]") else { break }
            path.append(String(rest[rest.index(after: rest.startIndex)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return path
    }

    private static func phpBaseName(_ name: Substring) -> String {
        String(name.map { $0 == " " || $0 == "." || $0 == "[" ? "_" : $0 })
    }

    private static func insert(value: JSON, path: ArraySlice<String>, into object: inout JSONObject) {
        guard var key = path.first else { return }
        if key.isEmpty {
            let next = object.keys.compactMap { Int($0) }.max().map { $0 + 1 } ?? 0
            key = String(next)
        }
        let rest = path.dropFirst()
        if rest.isEmpty {
            object[key] = value
            return
        }
        var child = object[key]?.objectValue ?? JSONObject()
        insert(value: value, path: rest, into: &child)
        object[key] = .object(child)
    }
}
