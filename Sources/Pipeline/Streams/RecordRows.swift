import B24Core
import Star

/// Turns a page of records into rows, moving `cursor` past every record's `ID` whether it loads
/// or not; a record that cannot be loaded is kept in `rejected` and logged with its id and field.
func appendRows<Row>(
    of page: [JSON], to rows: inout [Row], rejected: inout [TransformError], cursor: inout Int64, log: RunLog,
    _ transform: (JSON) throws(TransformError) -> Row
) {
    for record in page {
        cursor = max(cursor, record["ID"]?.lenientInt ?? cursor)
        do throws(TransformError) {
            rows.append(try transform(record))
        } catch {
            rejected.append(error)
            log.event(LogKey.Event.recordSkipped, level: .warning, [LogKey.reason: "\(error.description)"])
        }
    }
}
