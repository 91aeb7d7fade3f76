import B24Core

/// One command of a `batch` request: a method and its parameters, keyed so its result can be found.
public struct BatchCommand: Sendable {
    /// The key the results are filed under (non-numeric keys keep PHP from turning maps into lists).
    public var key: String
    /// The REST method.
    public var method: String
    /// The method's parameters; values may hold `$result[key][…]` references to earlier commands.
    public var parameters: JSONObject

    /// Creates a command.
    public init(key: String, method: String, parameters: JSONObject) {
        self.key = key
        self.method = method
        self.parameters = parameters
    }

    /// `method?query` as the portal's batch expects, parameters in escaped PHP bracket syntax.
    public var encoded: String {
        let query = QueryEncoding.encode(parameters)
        return query.isEmpty ? method : method + "?" + query
    }
}

/// The answer to a batch: results, errors, totals and nexts by command key.
public struct BatchResult: Sendable {
    /// Results of the commands that succeeded.
    public var results: [String: JSON] = [:]
    /// Errors of the commands that failed.
    public var errors: [String: BitrixError] = [:]
    /// `total` per command, where given.
    public var totals: [String: Int] = [:]
    /// `next` per command, where given.
    public var nexts: [String: Int] = [:]
    /// `time` per command.
    public var times: [String: ResponseTime] = [:]
    /// The batch request's own `time` (its `date_start` is the portal's clock).
    public var time: ResponseTime?

    /// Reads the batch `result` object; every map may be `{}` or PHP's `[]`, or a list for numeric keys.
    init(_ json: JSON, commands: [BatchCommand], portal: String) {
        func entries(_ name: String) -> [(String, JSON)] {
            switch json[name] {
            case .object(let object): return object.map { ($0.key, $0.value) }
            case .array(let array): return array.enumerated().map { (String($0.offset), $0.element) }
            default: return []
            }
        }
        let methods = Dictionary(commands.map { ($0.key, $0.method) }, uniquingKeysWith: { first, _ in first })
        for (key, value) in entries("result") { results[key] = value }
        for (key, value) in entries("result_total") { if let total = value.lenientInt { totals[key] = Int(total) } }
        for (key, value) in entries("result_next") { if let next = value.lenientInt { nexts[key] = Int(next) } }
        for (key, value) in entries("result_time") { if let time = ResponseTime(value) { times[key] = time } }
        for (key, value) in entries("result_error") {
            var error = BitrixError.fromAnswer(
                status: 0, bitrixCode: value["error"]?.stringValue ?? "",
                description: value["error_description"]?.stringValue ?? value.lenientText, method: methods[key],
                portal: portal)
            error.resetAt = times[key]?.operatingResetAt
            errors[key] = error
        }
    }
}
