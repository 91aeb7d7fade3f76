import B24Core
import Foundation

/// Where the simulated portal reads "now" (unix seconds, fractional); injected so tests control time.
public protocol PortalClock: Sendable {
    /// The current time as unix seconds.
    func now() -> Double
}

/// The machine's clock.
public struct SystemPortalClock: PortalClock {
    /// Creates the system clock.
    public init() {}

    /// The current time as unix seconds.
    public func now() -> Double {
        Date().timeIntervalSince1970
    }
}

/// A clock that moves only when told to; for tests.
public final class ManualPortalClock: PortalClock, @unchecked Sendable {
    // Safe: every access to `current` goes through `lock`.
    private let lock = NSLock()
    private var current: Double

    /// A clock standing at `start` (unix seconds).
    public init(start: Double) {
        current = start
    }

    /// The time it stands at.
    public func now() -> Double {
        lock.withLock { current }
    }

    /// Moves the clock forward by `seconds`.
    public func advance(by seconds: Double) {
        lock.withLock { current += seconds }
    }
}
