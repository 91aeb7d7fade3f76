import B24Core

/// `batch`: up to 50 `method?query` commands in one HTTP request, with `$result[…]` references.
extension SimulatedPortal {
    /// The most commands one batch runs; later ones get ERROR_BATCH_LENGTH_EXCEEDED.
    static let batchLimit = 50

    /// Runs a batch as the portal does: in order, each command against its own method's limits.
    func runBatch(_ params: JSONObject, now: Double) -> MethodOutcome {
        let halt = Self.phpBool(params["halt"] ?? params["HALT"] ?? .null)
        let commands: [(String, JSON)]
        switch params["cmd"] ?? params["CMD"] {
        case .object(let object): commands = object.map { ($0.key, $0.value) }
        case .array(let array): commands = array.enumerated().map { (String($0.offset), $0.element) }
        default: commands = []
        }
        var results = JSONObject()
        var errors = JSONObject()
        var totals = JSONObject()
        var nexts = JSONObject()
        var times = JSONObject()
        for (index, (key, command)) in commands.enumerated() {
            let started = clock.now()
            guard index < Self.batchLimit else {
                errors[key] = MethodError.batchLengthExceeded.json
                continue
            }
            guard case .string(let text) = command else { continue }
            let (method, query) = Self.splitCommand(text)
            stats.batchCommands += 1
            let references: [String: JSON] = [
                "result": .object(results), "next": .object(nexts), "total": .object(totals),
                "time": .object(times), "error": .object(errors),
            ]
            let resolved = Self.substitute(.object(PHPQueryString.parse(query)), references).objectValue ?? JSONObject()
            let outcome = method == "batch" ? .failure(.batchMethodNotAllowed) : runCounted(method, resolved, now: now)
            switch outcome {
            case .success(let result, let total, let next):
                results[key] = result
                if let total { totals[key] = .int(Int64(total)) }
                if let next { nexts[key] = .int(Int64(next)) }
            case .failure(let error):
                errors[key] = error.json
            }
            times[key] = timeObject(method: method, start: started, finish: clock.now())
            if halt, case .failure = outcome { break }
        }
        let body: JSON = [
            "result": Self.phpArray(results), "result_error": Self.phpArray(errors),
            "result_total": Self.phpArray(totals), "result_next": Self.phpArray(nexts),
            "result_time": Self.phpArray(times),
        ]
        return .result(body)
    }

    /// `crm.lead.list?filter[>ID]=5` → (`crm.lead.list`, `filter[>ID]=5`).
    static func splitCommand(_ text: String) -> (method: String, query: Substring) {
        guard let mark = text.firstIndex(of: "?") else { return (text.lowercased(), "") }
        var method = String(text[..<mark]).lowercased()
        if method.hasSuffix(".json") { method.removeLast(5) }
        return (method, text[text.index(after: mark)...])
    }

    /// PHP `(bool)`: `0`, `""`, `"0"`, `null`, `false` and empty arrays are false; `"false"` is true.
    static func phpBool(_ value: JSON) -> Bool {
        switch value {
        case .null: return false
        case .bool(let flag): return flag
        case .int(let number): return number != 0
        case .double(let number): return number != 0
        case .string(let text): return !(text.isEmpty || text == "0")
        case .array(let array): return !array.isEmpty
        case .object(let object): return !object.isEmpty
        }
    }

    /// How PHP's `json_encode` writes an array: `[]` when empty, a list for keys 0…n-1, else an object.
    static func phpArray(_ object: JSONObject) -> JSON {
        if object.isEmpty { return .array([]) }
        if object.keys.enumerated().allSatisfy({ String($0.offset) == $0.element }) { return .array(object.values) }
        return .object(object)
    }

    /// Replaces `$result[key][index][FIELD]`-style references in every string of `value`.
    ///
    /// A value that is one whole reference becomes the referenced value (an array, if the path
    /// stops early, exactly as the portal resolves `[49][ID]` on a short page); a reference inside
    /// a longer string is replaced by its text.
    static func substitute(_ value: JSON, _ roots: [String: JSON]) -> JSON {
        switch value {
        case .object(let object):
            var result = JSONObject()
            for (key, child) in object { result[key] = substitute(child, roots) }
            return .object(result)
        case .array(let array):
            return .array(array.map { substitute($0, roots) })
        case .string(let text):
            guard text.contains("$") else { return value }
            let references = findReferences(text)
            guard !references.isEmpty else { return value }
            if references.count == 1, references[0].range == text.startIndex..<text.endIndex {
                return resolve(references[0], roots)
            }
            var output = ""
            var cursor = text.startIndex
            for reference in references {
                output += text[cursor..<reference.range.lowerBound]
                output += ListQuery.scalarText(resolve(reference, roots))
                cursor = reference.range.upperBound
            }
            output += text[cursor...]
            return .string(output)
        default:
            return value
        }
    }

    private struct Reference {
        var range: Range<String.Index>
        var root: String
        var path: [String]
    }

    /// Finds `$(result|next|total|time|error)` followed by non-space characters, as the portal's regex does.
    private static func findReferences(_ text: String) -> [Reference] {
        var found: [Reference] = []
        var index = text.startIndex
        while let dollar = text[index...].firstIndex(of: "$") {
            let afterDollar = text.index(after: dollar)
            guard
                let root = ["result", "next", "total", "time", "error"].first(where: {
                    text[afterDollar...].hasPrefix($0)
                })
            else {
                index = afterDollar
                continue
            }
            let pathStart = text.index(afterDollar, offsetBy: root.count)
            let end = text[pathStart...].firstIndex(where: \.isWhitespace) ?? text.endIndex
            var path: [String] = []
            var rest = text[pathStart..<end]
            while rest.first == "[", let close = rest.firstIndex(of: "]") {
                path.append(String(rest[rest.index(after: rest.startIndex)..<close]))
                rest = rest[rest.index(after: close)...]
            }
            found.append(Reference(range: dollar..<end, root: root, path: path))
            index = end
        }
        return found
    }

    /// Follows the path while keys exist; stops at the last level that exists.
    private static func resolve(_ reference: Reference, _ roots: [String: JSON]) -> JSON {
        var current = roots[reference.root] ?? .null
        for key in reference.path {
            if let next = current[key] {
                current = next
            } else if let position = Int(key), let next = current[position] {
                current = next
            } else {
                break
            }
        }
        return current
    }
}
