import AsyncAlgorithms

/// Reads the portal and loads at once, joined by an `AsyncThrowingChannel`: the next batch is
/// read while the previous one loads (a send waits until the loader takes it), so memory holds
/// at most the batch being loaded and the one being read. Either side failing stops both.
enum StreamPipeline {
    /// Runs `produce` and `load` together; `progress` gets the running totals after each load.
    ///
    /// - Returns: the totals of every load.
    /// - Throws: the first error of either side.
    static func run<Item: Sendable>(
        produce: @escaping @Sendable (_ send: @escaping @Sendable (Item) async throws -> Void) async throws -> Void,
        load: @escaping @Sendable (Item) async throws -> StreamCounts,
        progress: @escaping @Sendable (StreamCounts) -> Void
    ) async throws -> StreamCounts {
        let channel = AsyncThrowingChannel<Item, any Error>()
        return try await withThrowingTaskGroup(of: StreamCounts.self) { group in
            group.addTask {
                do {
                    try await produce { item in
                        await channel.send(item)
                        // The loader stopped (it failed and the group was cancelled): stop reading.
                        try Task.checkCancellation()
                    }
                    channel.finish()
                } catch {
                    channel.fail(error)
                    throw error
                }
                return StreamCounts()
            }
            group.addTask {
                var total = StreamCounts()
                for try await item in channel {
                    total.add(try await load(item))
                    progress(total)
                }
                return total
            }
            var total = StreamCounts()
            do {
                for try await part in group { total.add(part) }
            } catch {
                group.cancelAll()
                channel.finish()
                throw error
            }
            return total
        }
    }
}
