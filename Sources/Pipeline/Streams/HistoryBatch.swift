import B24Core
import Extract
import Star

/// Stage-history rows (of leads or deals) read and waiting to be loaded, with the cursor they
/// move to.
public struct HistoryBatch<Row: Sendable>: Sendable {
    /// The rows.
    var rows: [Row] = []
    /// Records rejected the first time they were read.
    var rejected: [TransformError] = []
    /// The last history id read, loaded or not.
    var lastID: Int64

    /// Changes per transaction.
    static var size: Int { 2_500 }

    /// Reads every page of history after `cursor` (or, with `createdSince`, every record created
    /// since then whatever its id), turning records into rows with `transform` and handing a batch
    /// to `send` every `size` rows. A record that cannot be loaded is rejected and logged once:
    /// when it is read again in a later window (id at or below `cursor`) it is skipped quietly.
    /// The last batch is sent even without rows when it moves the cursor past skipped records.
    static func read(
        with reader: StageHistoryReader, after cursor: Int64, createdSince: String?, log: RunLog,
        transform: (JSON) throws(TransformError) -> Row, send: @escaping @Sendable (Self) async throws -> Void
    ) async throws {
        var pending = Self(lastID: cursor)
        var sentID = cursor
        try await reader.forEachPage(after: cursor, createdSince: createdSince) { page in
            for item in page {
                let id = item["ID"]?.lenientInt ?? pending.lastID
                do throws(TransformError) {
                    pending.rows.append(try transform(item))
                } catch  where id > cursor {
                    pending.rejected.append(error)
                    log.event(LogKey.Event.recordSkipped, level: .warning, [LogKey.reason: "\(error.description)"])
                } catch {
                    // Rejected and recorded by the pass that first read it.
                }
                pending.lastID = max(pending.lastID, id)
            }
            if pending.rows.count >= size {
                sentID = pending.lastID
                try await send(pending)
                pending = Self(lastID: sentID)
            }
        }
        if !pending.rows.isEmpty || !pending.rejected.isEmpty || pending.lastID != sentID { try await send(pending) }
    }
}
