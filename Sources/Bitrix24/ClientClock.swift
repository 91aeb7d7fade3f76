import Foundation
import Synchronization

/// Time as the client sees it: a monotonic clock to pace requests, wall time for the portal's
/// `operating_reset_at`, and sleeping. Injected so tests run without real waiting.
public protocol ClientClock: Sendable {
    /// Monotonic seconds (any origin).
    func now() -> Double
    /// Unix time in seconds.
    func unixTime() -> Double
    /// Suspends for `seconds` (returns at once for zero or less).
    func sleep(for seconds: Double) async throws
}

/// The machine's clocks and `Task.sleep`.
public struct SystemClientClock: ClientClock {
    private let origin = ContinuousClock.now

    /// Creates the system clock.
    public init() {}

    /// Seconds since this clock was created.
    public func now() -> Double {
        let elapsed = ContinuousClock.now - origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Unix time.
    public func unixTime() -> Double {
        Date().timeIntervalSince1970
    }

    /// Sleeps on the continuous clock.
    public func sleep(for seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
    }
}

/// A clock whose time moves only when something sleeps on it: sleeping advances it at once.
/// Tests read `sleptSeconds` to know how long a real run would have waited.
public final class VirtualClientClock: ClientClock, Sendable {
    private struct State {
        var current = 0.0
        var slept = 0.0
        var sleeps: [Double] = []
    }

    private let state = Mutex(State())
    private let unixOrigin: Double

    /// A clock at monotonic 0 and unix time `unixStart`.
    public init(unixStart: Double = 1_767_225_600) {
        unixOrigin = unixStart
    }

    /// Virtual monotonic seconds.
    public func now() -> Double { state.withLock { $0.current } }

    /// Virtual unix time.
    public func unixTime() -> Double { unixOrigin + now() }

    /// Advances time by `seconds` without waiting.
    public func sleep(for seconds: Double) async throws {
        guard seconds > 0 else {
            await Task.yield()
            return
        }
        state.withLock {
            $0.current += seconds
            $0.slept += seconds
            $0.sleeps.append(seconds)
        }
        await Task.yield()
    }

    /// Moves time forward without counting it as sleep (time passing between calls).
    public func advance(by seconds: Double) {
        state.withLock { $0.current += seconds }
    }

    /// Total seconds slept so far.
    public var sleptSeconds: Double { state.withLock { $0.slept } }

    /// Every sleep so far, in order.
    public var sleepDurations: [Double] { state.withLock { $0.sleeps } }
}
