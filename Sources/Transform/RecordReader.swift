import B24Core
import Star

/// Reads fields of one record, turning every empty spelling into `nil` and bad values into errors.
struct RecordReader {
    let record: JSON
    let entity: String
    let time: PortalTime
    var id: Int64?

    init(record: JSON, entity: String, time: PortalTime) {
        self.record = record
        self.entity = entity
        self.time = time
    }

    func fail(_ field: String, _ reason: String) -> TransformError {
        TransformError(entity: entity, id: id, field: field, reason: reason)
    }

    /// A required positive id.
    func id(_ field: String) throws(TransformError) -> Int64 {
        guard let value = record[field], let number = value.lenientInt, number > 0 else {
            throw fail(field, record[field].map { "\(LeadTransformer.quote($0)) is not a positive id" } ?? "is missing")
        }
        return number
    }

    /// Text as sent; `nil` for `null`, `""`, `false` or a missing key.
    func text(_ field: String) -> String? {
        guard let value = record[field] else { return nil }
        if case .string(let text) = value { return text.isEmpty ? nil : text }
        return value.lenientText
    }

    /// A reference: `nil` for every empty spelling, an error for non-numbers.
    func reference(_ field: String) throws(TransformError) -> Int64? {
        guard let value = record[field], !value.isEmptyValue, value != .string("0"), value != .int(0) else {
            return nil
        }
        guard let number = value.lenientInt, number >= 0 else {
            throw fail(field, "\(LeadTransformer.quote(value)) is not an id")
        }
        return number == 0 ? nil : number
    }

    /// An integer, `nil` when empty.
    func integer(_ field: String) throws(TransformError) -> Int64? {
        guard let value = record[field], !value.isEmptyValue else { return nil }
        if value == .bool(true) { return 1 }
        guard let number = value.lenientInt else {
            throw fail(field, "\(LeadTransformer.quote(value)) is not an integer")
        }
        return number
    }

    /// An exact decimal, `nil` when empty; non-numbers and infinities reject the record.
    func decimal(_ field: String) throws(TransformError) -> String? {
        guard let value = record[field], !value.isEmptyValue else { return nil }
        guard let text = value.lenientDecimalText else {
            throw fail(field, "\(LeadTransformer.quote(value)) is not a finite number")
        }
        return text
    }

    /// A flag, `nil` when empty.
    func flag(_ field: String) throws(TransformError) -> Bool? {
        guard let value = record[field], value != .null, value != .string("") else { return nil }
        guard let flag = value.lenientBool else { throw fail(field, "\(LeadTransformer.quote(value)) is not Y/N") }
        return flag
    }

    /// A timestamp: `nil` for empty and `0000-00-00…`; text without an offset is in the portal's zone.
    func timestamp(_ field: String) throws(TransformError) -> Int64? {
        guard let value = record[field], !value.isEmptyValue else { return nil }
        guard let text = value.stringValue else { throw fail(field, "\(LeadTransformer.quote(value)) is not a date") }
        if text.hasPrefix("0000-00-00") { return nil }
        guard let stamp = time.parse(text) else { throw fail(field, "\(LeadTransformer.quote(value)) is not a date") }
        return stamp
    }

    /// A timestamp and the local day it is on (`PortalTime.dated`: the day as the portal wrote
    /// it); `nil` when empty.
    func dated(_ field: String) throws(TransformError) -> (stamp: Int64, dateKey: Int)? {
        guard let value = record[field], !value.isEmptyValue else { return nil }
        guard let text = value.stringValue else { throw fail(field, "\(LeadTransformer.quote(value)) is not a date") }
        if text.hasPrefix("0000-00-00") { return nil }
        guard let dated = time.dated(text) else { throw fail(field, "\(LeadTransformer.quote(value)) is not a date") }
        return dated
    }
}
