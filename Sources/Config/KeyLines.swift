/// Where each table header and key of a TOML file is, by line, so an error can name the line:
/// the parser tells positions of syntax errors only.
struct KeyLines {
    private var headers: [String: Int] = [:]
    private var keys: [String: Int] = [:]

    /// Reads the lines of `text`: `[name]` and `[[name]]` headers (the n-th array table is
    /// `name[n]`, from 1) and `key =` lines under them.
    init(_ text: String) {
        var table = ""
        var counts: [String: Int] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("[[") {
                let name = Self.bare(line.dropFirst(2).prefix { $0 != "]" })
                counts[name, default: 0] += 1
                table = "\(name)[\(counts[name] ?? 1)]"
                headers[table] = index + 1
            } else if line.hasPrefix("[") {
                table = Self.bare(line.dropFirst().prefix { $0 != "]" })
                headers[table] = index + 1
            } else if let equals = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = Self.bare(line[..<equals]).trimmingQuotes
                if !key.isEmpty, keys[Self.path(table, key)] == nil { keys[Self.path(table, key)] = index + 1 }
            }
        }
    }

    /// The line of `key` in `table` (`""` for the top level), else of the table's header.
    func line(table: String, key: String? = nil) -> Int? {
        if let key, let line = keys[Self.path(table, key)] { return line }
        return headers[table]
    }

    /// `table.key`, or `key` at the top level.
    static func path(_ table: String, _ key: String) -> String {
        table.isEmpty ? key : "\(table).\(key)"
    }

    private static func bare(_ text: Substring) -> String {
        String(text.filter { $0 != " " && $0 != "\t" })
    }
}

extension String {
    /// The text without one pair of surrounding double or single quotes.
    fileprivate var trimmingQuotes: String {
        guard count >= 2, let first, let last, first == last, first == "\"" || first == "'" else { return self }
        return String(dropFirst().dropLast())
    }
}
