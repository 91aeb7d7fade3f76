import B24Core

/// The portal's request limits: a leaky bucket per portal and an operating-time budget per method.
public struct PortalLimits: Sendable {
    /// Requests drained per second; 0 disables the bucket.
    public var rate: Double
    /// Bucket size: requests allowed in a burst before 503.
    public var burst: Double
    /// Operating seconds a method may use per 10-minute window; 0 disables the budget.
    public var operatingLimit: Double

    private var level = 0.0
    private var lastDrain = 0.0
    /// Per method: one bucket of used seconds per minute (minute number → seconds).
    private var operating: [String: [Int64: Double]] = [:]

    /// Limits as the cloud sets them by default: 2 requests/s, burst 50, no operating budget.
    public init(rate: Double = 2, burst: Double = 50, operatingLimit: Double = 0) {
        self.rate = rate
        self.burst = burst
        self.operatingLimit = operatingLimit
    }

    /// Admits one HTTP request at `now`, or answers 503 QUERY_LIMIT_EXCEEDED (not counted in the bucket).
    mutating func admitRequest(at now: Double) -> MethodError? {
        guard rate > 0 else { return nil }
        if lastDrain > 0 { level = max(0, level - (now - lastDrain) * rate) }
        lastDrain = now
        guard level + 1 <= burst else { return .queryLimit }
        level += 1
        return nil
    }

    /// Simulated execution seconds of one call: a list that counts rows (start ≥ 0) costs more.
    static func operatingCost(method: String, start: Int) -> Double {
        if method.hasSuffix(".list") || method == "user.get" { return start >= 0 ? 0.25 : 0.02 }
        return 0.01
    }

    /// 429 OPERATION_TIME_LIMIT when `method` has used its budget in the last 10 minutes.
    mutating func checkOperating(method: String, at now: Double) -> MethodError? {
        guard operatingLimit > 0 else { return nil }
        return operatingState(method: method, at: now).used >= operatingLimit ? .operationTimeLimit : nil
    }

    /// Adds `seconds` of use to `method`'s current minute.
    mutating func recordOperating(method: String, seconds: Double, at now: Double) {
        let minute = Int64(now / 60)
        operating[method, default: [:]][minute, default: 0] += seconds
        operating[method] = operating[method]?.filter { $0.key > minute - 10 }
    }

    /// Seconds `method` used in the last 10 one-minute buckets, and when the oldest bucket expires.
    func operatingState(method: String, at now: Double) -> (used: Double, resetAt: Int64) {
        let minute = Int64(now / 60)
        let window = (operating[method] ?? [:]).filter { $0.key > minute - 10 }
        let oldest = window.keys.min() ?? minute
        return (window.values.reduce(0, +), (oldest + 10) * 60)
    }

    /// Forgets every recorded use (bucket and operating time).
    mutating func reset() {
        level = 0
        lastDrain = 0
        operating = [:]
    }
}
