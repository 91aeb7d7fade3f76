import Dispatch
import LibPQ
import Synchronization

/// Runs every database call of a sync on one serial queue of its own, off the Swift concurrency
/// pool: libpq blocks, and a long COPY must not stall the extract side.
public final class DatabaseWorker: @unchecked Sendable {
    // Safe: `loader` (and its connection) is only touched inside blocks on `queue`, which is serial;
    // `busyNanoseconds` is a Mutex.
    private let queue = DispatchQueue(label: "b24pg.database")
    private let loader: StarLoader
    private let busyNanoseconds = Mutex<UInt64>(0)

    /// A worker owning `connection`.
    public init(connection: Connection) {
        loader = StarLoader(connection: connection)
    }

    /// Runs `body` with the loader on the database queue and returns its result.
    public func run<Result: Sendable>(_ body: @escaping @Sendable (StarLoader) throws -> Result) async throws -> Result
    {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                let started = DispatchTime.now().uptimeNanoseconds
                let outcome = Swift.Result { try body(self.loader) }
                let spent = DispatchTime.now().uptimeNanoseconds - started
                self.busyNanoseconds.withLock { $0 += spent }
                continuation.resume(with: outcome)
            }
        }
    }

    /// Seconds the database spent on this worker's calls so far (the load's share of a run's time).
    public var busySeconds: Double {
        busyNanoseconds.withLock { Double($0) / 1e9 }
    }
}
