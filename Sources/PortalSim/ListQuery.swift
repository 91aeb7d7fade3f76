import B24Core
import Foundation

/// A filter operator of the CRM list methods, from the prefix of a filter key.
enum FilterOperator: String, CaseIterable, Sendable {
    case greaterOrEqual = ">="
    case lessOrEqual = "<="
    case notIn = "!@"
    case notLikeExact = "!=%"
    case notLikeExactAlt = "!%="
    case likeExact = "=%"
    case likeExactAlt = "%="
    case notLike = "!%"
    case notEqualAlt = "!="
    case greater = ">"
    case less = "<"
    case `in` = "@"
    case like = "%"
    case equal = "="
    case notEqual = "!"

    /// Splits `>=DATE_MODIFY` into operator and field name; no prefix means `=`.
    static func split(_ key: String) -> (FilterOperator, String) {
        for candidate in allCases where key.hasPrefix(candidate.rawValue) {
            return (candidate, String(key.dropFirst(candidate.rawValue.count)))
        }
        return (.equal, key)
    }
}

/// One `filter` entry whose field exists (unknown fields are dropped, as the portal does).
struct FilterCondition: Sendable {
    var field: FieldSpec
    var op: FilterOperator
    var value: JSON
}

/// A parsed `crm.*.list` request: filter, order, select and start.
struct ListQuery: Sendable {
    var conditions: [FilterCondition] = []
    var order: [(field: FieldSpec, descending: Bool)] = []
    var select: [String] = []
    var start: Int = 0

    /// Page size of every list method.
    static let pageSize = 50

    /// Reads the legacy parameter spellings (`filter`, `FILTER`, `Filter`, `arFilter`…).
    init(params: JSONObject, schema: EntitySchema, defaultOrder: [(String, Bool)], uppercaseKeys: Bool = false) {
        let filter = Self.parameter(params, "filter")
        for (key, value) in filter?.objectValue ?? JSONObject() {
            let (op, rawName) = FilterOperator.split(key)
            let name = uppercaseKeys ? Self.upperSnake(rawName) : rawName
            guard let field = schema.field(name) else { continue }
            var effective = op
            if field.kind == .status || field.kind == .company || field.kind == .contact {
                switch op {
                case .like, .likeExact, .likeExactAlt: effective = .equal
                case .notLike, .notLikeExact, .notLikeExactAlt: effective = .notEqual
                default: break
                }
            }
            conditions.append(FilterCondition(field: field, op: effective, value: value))
        }
        if let orderObject = Self.parameter(params, "order")?.objectValue {
            for (key, value) in orderObject {
                let name = uppercaseKeys ? Self.upperSnake(key) : key.uppercased()
                guard let field = schema.field(name) else { continue }
                order.append((field, (value.stringValue ?? "ASC").uppercased() == "DESC"))
            }
        }
        if order.isEmpty {
            order = defaultOrder.compactMap { name, descending in schema.field(name).map { ($0, descending) } }
        }
        select = (Self.parameter(params, "select")?.elements ?? []).compactMap(\.stringValue)
        start = Self.startValue(params["start"])
    }

    /// The first of `name`, `NAME`, `Name`, `arName` present in `params`.
    static func parameter(_ params: JSONObject, _ name: String) -> JSON? {
        let capitalised = name.prefix(1).uppercased() + name.dropFirst()
        for key in [name, name.uppercased(), capitalised, "ar" + capitalised] {
            if let value = params[key] { return value }
        }
        return nil
    }

    /// `intval($query['start'])`.
    static func startValue(_ value: JSON?) -> Int {
        switch value {
        case .int(let number): return Int(clamping: number)
        case .double(let number): return number.isFinite ? Int(number) : 0
        case .string(let text): return Int(clamping: PHPCast.intval(text))
        case .bool(let flag): return flag ? 1 : 0
        default: return 0
        }
    }

    /// `ownerId` → `OWNER_ID`, as engine methods convert filter and order keys.
    static func upperSnake(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase, !result.isEmpty { result.append("_") }
            result += character.uppercased()
        }
        return result
    }

    /// Whether `value` passes every condition; `valueOf` reads a field of the record.
    func matches(_ valueOf: (FieldSpec) -> FieldValue, time: PortalTime) -> Bool {
        conditions.allSatisfy { Self.matches(valueOf($0.field), $0, time: time) }
    }

    /// Whether one field value passes one condition.
    static func matches(_ value: FieldValue, _ condition: FilterCondition, time: PortalTime) -> Bool {
        switch condition.op {
        case .in, .notIn:
            let candidates = condition.value.elements ?? [condition.value]
            let found = candidates.contains { compare(value, $0, field: condition.field, time: time) == 0 }
            return condition.op == .in ? found : !found
        case .like, .likeExact, .likeExactAlt, .notLike, .notLikeExact, .notLikeExactAlt:
            let needle = scalarText(condition.value).lowercased().replacingOccurrences(of: "%", with: "")
            let haystack = text(of: value).lowercased()
            let found = needle.isEmpty || haystack.contains(needle)
            let negated = condition.op == .notLike || condition.op == .notLikeExact || condition.op == .notLikeExactAlt
            return negated ? !found : found
        case .equal, .notEqual, .notEqualAlt:
            let equal: Bool
            // A PHP array (a JSON list, or the numbered map a query string parses into) is `IN`.
            if let elements = condition.value.elements {
                equal = elements.contains { compare(value, $0, field: condition.field, time: time) == 0 }
            } else if scalarText(condition.value).isEmpty {
                equal = value.isEmpty
            } else if case .ints(let values) = value {
                equal = values.contains(PHPCast.intval(scalarText(condition.value)))
            } else {
                equal = compare(value, condition.value, field: condition.field, time: time) == 0
            }
            return condition.op == .equal ? equal : !equal
        case .greater, .greaterOrEqual, .less, .lessOrEqual:
            guard let order = compare(value, condition.value, field: condition.field, time: time) else { return false }
            switch condition.op {
            case .greater: return order > 0
            case .greaterOrEqual: return order >= 0
            case .less: return order < 0
            default: return order <= 0
            }
        }
    }

    /// -1, 0 or 1 comparing a record value with a filter value; `nil` when they cannot be compared.
    static func compare(_ value: FieldValue, _ filterValue: JSON, field: FieldSpec, time: PortalTime) -> Int? {
        if case .null = value { return nil }
        switch field.kind {
        case .datetime, .date:
            guard case .date(let stamp) = value, let wanted = time.parse(scalarText(filterValue)) else { return nil }
            return stamp < wanted ? -1 : (stamp > wanted ? 1 : 0)
        case .double, .money:
            guard let number = value.doubleValue else { return nil }
            let wanted = Double(scalarText(filterValue)) ?? Double(PHPCast.intval(scalarText(filterValue)))
            return number < wanted ? -1 : (number > wanted ? 1 : 0)
        default:
            if field.kind.isNumeric, let number = value.integerValue {
                let wanted = integer(filterValue)
                return number < wanted ? -1 : (number > wanted ? 1 : 0)
            }
            let left = text(of: value)
            let right = scalarText(filterValue)
            return left < right ? -1 : (left > right ? 1 : 0)
        }
    }

    /// PHP's `(int)` of a filter value: arrays count as 1 when non-empty (the batch short-page trap).
    static func integer(_ value: JSON) -> Int64 {
        switch value {
        case .int(let number): return number
        case .double(let number): return number.isFinite ? Int64(number) : 0
        case .string(let text): return PHPCast.intval(text)
        case .bool(let flag): return flag ? 1 : 0
        case .array(let array): return array.isEmpty ? 0 : 1
        case .object(let object): return object.isEmpty ? 0 : 1
        case .null: return 0
        }
    }

    /// A filter value as PHP would turn it into a string.
    static func scalarText(_ value: JSON) -> String {
        switch value {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .double(let number): return PHPFormat.float(number)
        case .bool(let flag): return flag ? "1" : ""
        case .null: return ""
        case .array, .object: return "Array"
        }
    }

    /// A record value as text, for LIKE and string comparison.
    static func text(of value: FieldValue) -> String {
        switch value {
        case .null: return ""
        case .int(let number): return String(number)
        case .money(let cents): return PHPFormat.money(cents)
        case .double(let number): return PHPFormat.float(number)
        case .string(let text): return text
        case .date(let stamp): return String(stamp)
        case .flag(let flag): return flag ? "Y" : "N"
        case .ints(let values): return values.map(String.init).joined(separator: ",")
        case .multifield(let values): return values.map(\.value).joined(separator: ",")
        case .json(let value): return value.stringValue ?? value.serialized()
        }
    }

    /// Sort order between two values of one field (NULLs first, as MySQL sorts them ascending).
    static func sortOrder(_ left: FieldValue, _ right: FieldValue) -> Int {
        switch (left, right) {
        case (.null, .null): return 0
        case (.null, _): return -1
        case (_, .null): return 1
        case (.date(let a), .date(let b)): return a < b ? -1 : (a > b ? 1 : 0)
        case (.string(let a), .string(let b)): return a < b ? -1 : (a > b ? 1 : 0)
        default:
            if let a = left.doubleValue, let b = right.doubleValue { return a < b ? -1 : (a > b ? 1 : 0) }
            let a = text(of: left)
            let b = text(of: right)
            return a < b ? -1 : (a > b ? 1 : 0)
        }
    }
}

/// Number formatting the way PHP writes values into strings.
enum PHPFormat {
    /// Cents as `"1500.00"`.
    static func money(_ cents: Int64) -> String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// A float as PHP's string conversion writes it: `12.5`, `100`, `0.1`.
    static func float(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
