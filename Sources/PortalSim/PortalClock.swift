import B24Core
import Foundation
import Synchronization

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
public final class ManualPortalClock: PortalClock, Sendable {
    private let current: Mutex<Double>

    /// A clock standing at `start` (unix seconds).
    public init(start: Double) {
        current = Mutex(start)
    }

    /// The time it stands at.
    public func now() -> Double {
        current.withLock { $0 }
    }

    /// Moves the clock forward by `seconds`.
    public func advance(by seconds: Double) {
        current.withLock { $0 += seconds }
    }
}
