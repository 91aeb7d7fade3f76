import B24Core

/// What the simulated portal served, for tests and benchmarks (`GET /_sim/stats`).
public struct SimStats: Sendable, Equatable {
    /// HTTP requests received on REST routes (a batch is one).
    public var httpRequests = 0
    /// Calls per method, batch commands included (`batch` itself counts once per request).
    public var methods: [String: Int] = [:]
    /// Commands executed inside batches.
    public var batchCommands = 0
    /// 503 QUERY_LIMIT_EXCEEDED answers from the rate limit.
    public var throttled = 0
    /// 429 OPERATION_TIME_LIMIT answers.
    public var operatingRefusals = 0
    /// Injected faults by kind (`500`, `503`, `drop`, `slow`, `truncate`).
    public var faults: [String: Int] = [:]
    /// Authentication failures (401).
    public var authFailures = 0
    /// Simulated operating seconds spent.
    public var operatingSeconds = 0.0
    /// Requests cut with 504 for running past the per-request time limit.
    public var timeCuts = 0

    mutating func count(method: String) {
        methods[method, default: 0] += 1
    }

    /// The counters as the JSON `/_sim/stats` serves.
    public var json: JSON {
        var methodObject = JSONObject()
        for key in methods.keys.sorted() { methodObject[key] = .int(Int64(methods[key] ?? 0)) }
        var faultObject = JSONObject()
        for key in faults.keys.sorted() { faultObject[key] = .int(Int64(faults[key] ?? 0)) }
        return [
            "http_requests": .int(Int64(httpRequests)), "methods": .object(methodObject),
            "batch_commands": .int(Int64(batchCommands)), "throttled_503": .int(Int64(throttled)),
            "operating_429": .int(Int64(operatingRefusals)), "faults": .object(faultObject),
            "auth_failures": .int(Int64(authFailures)), "operating_seconds": .double(operatingSeconds),
            "time_cuts_504": .int(Int64(timeCuts)),
        ]
    }
}
