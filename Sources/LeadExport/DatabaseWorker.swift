import Dispatch
import LibPQ

/// Runs every database call of a sync on one serial queue of its own, off the Swift concurrency
/// pool: libpq blocks, and a long COPY must not stall the extract side.
public final class DatabaseWorker: @unchecked Sendable {
    // Safe: `loader` (and its connection) is only touched inside blocks on `queue`, which is serial.
    private let queue = DispatchQueue(label: "b24pg.database")
    private let loader: StarLoader

    /// A worker owning `connection`.
    public init(connection: Connection) {
        loader = StarLoader(connection: connection)
    }

    /// Runs `body` with the loader on the database queue and returns its result.
    public func run<Result: Sendable>(_ body: @escaping @Sendable (StarLoader) throws -> Result) async throws -> Result
    {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do {
                    continuation.resume(returning: try body(self.loader))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
