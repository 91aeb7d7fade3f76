/// How often and how long the client retries a failed read: exponential backoff with jitter,
/// bounded both in attempts and in total time.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// Delay before the first retry, seconds.
    public var baseDelay: Double
    /// Longest single delay, seconds.
    public var maxDelay: Double
    /// Longest total time spent retrying one call, seconds.
    public var maxTotal: Double

    /// A policy; the defaults ride out a few minutes of portal trouble.
    public init(maxAttempts: Int = 8, baseDelay: Double = 0.25, maxDelay: Double = 30, maxTotal: Double = 300) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxTotal = maxTotal
    }

    /// No retries at all.
    public static let none = RetryPolicy(maxAttempts: 1, baseDelay: 0, maxDelay: 0, maxTotal: 0)

    /// The delay before retry number `attempt` (1 for the first retry): exponential, capped,
    /// with "equal jitter" (half fixed, half random) so workers do not retry in step.
    public func delay(attempt: Int, random: Double) -> Double {
        let exponential = min(maxDelay, baseDelay * Double(1 << min(max(attempt - 1, 0), 20)))
        return exponential / 2 + exponential / 2 * min(max(random, 0), 1)
    }
}
