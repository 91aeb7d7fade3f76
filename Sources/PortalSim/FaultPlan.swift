import B24Core

/// Which faults the simulator injects, as fractions of REST requests (0 = never, 1 = always).
public struct FaultPlan: Sendable, Equatable {
    /// 500 with an HTML body.
    public var serverError = 0.0
    /// 503 QUERY_LIMIT_EXCEEDED regardless of the bucket.
    public var unavailable = 0.0
    /// Connection closed without an answer.
    public var drop = 0.0
    /// Answer delayed by `slowSeconds`.
    public var slow = 0.0
    /// 200 whose JSON body is cut in half.
    public var truncate = 0.0
    /// How long a slow answer waits.
    public var slowSeconds = 1.5

    /// Faults at the given rates (none by default).
    public init(
        serverError: Double = 0, unavailable: Double = 0, drop: Double = 0, slow: Double = 0, truncate: Double = 0,
        slowSeconds: Double = 1.5
    ) {
        self.serverError = serverError
        self.unavailable = unavailable
        self.drop = drop
        self.slow = slow
        self.truncate = truncate
        self.slowSeconds = slowSeconds
    }

    /// A fault to inject for one request, chosen with `random`; `nil` for a normal answer.
    public func draw(_ random: inout SimRandom) -> FaultKind? {
        let roll = Double.random(in: 0..<1, using: &random)
        var threshold = 0.0
        for (kind, rate) in [
            (FaultKind.serverError, serverError), (.unavailable, unavailable), (.drop, drop),
            (.slow, slow), (.truncate, truncate),
        ] {
            threshold += rate
            if roll < threshold { return kind }
        }
        return nil
    }

    /// Reads rates from JSON such as `{"500":0.1,"503":0.05,"drop":0.02,"slow":0.01,"truncate":0.02,"slow_seconds":2}`.
    public mutating func update(from json: JSON) {
        func rate(_ key: String) -> Double? {
            switch json[key] {
            case .double(let value): return value
            case .int(let value): return Double(value)
            case .string(let text): return Double(text)
            default: return nil
            }
        }
        if let value = rate("500") { serverError = value }
        if let value = rate("503") { unavailable = value }
        if let value = rate("drop") { drop = value }
        if let value = rate("slow") { slow = value }
        if let value = rate("truncate") { truncate = value }
        if let value = rate("slow_seconds") { slowSeconds = value }
    }
}

/// One kind of injected fault.
public enum FaultKind: String, Sendable {
    /// 500 with an HTML body.
    case serverError = "500"
    /// 503 QUERY_LIMIT_EXCEEDED.
    case unavailable = "503"
    /// Connection closed without an answer.
    case drop
    /// A delayed answer.
    case slow
    /// A truncated JSON body.
    case truncate
}
