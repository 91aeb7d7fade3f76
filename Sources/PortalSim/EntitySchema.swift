import B24Core

/// How a field behaves in filters, ordering and output.
public enum FieldKind: String, Sendable {
    /// Integer id or number.
    case integer
    /// Floating-point number.
    case double
    /// Money, written with two decimals.
    case money
    /// Free text.
    case string
    /// `Y`/`N`.
    case char
    /// Date and time with offset.
    case datetime
    /// Date only.
    case date
    /// Reference to a stage, source… (`crm_status`); LIKE becomes `=`.
    case status
    /// Reference to a user.
    case user
    /// Reference to a company; `"0"` in lists when empty.
    case company
    /// Reference to a contact.
    case contact
    /// Currency code.
    case currency
    /// Phones, e-mails…: only returned when named in `select`.
    case multifield
    /// Custom enumeration.
    case enumeration
    /// Custom boolean.
    case boolean

    /// The type name `crm.*.fields` reports.
    var apiType: String {
        switch self {
        case .integer: return "integer"
        case .double, .money: return "double"
        case .string: return "string"
        case .char: return "char"
        case .datetime: return "datetime"
        case .date: return "date"
        case .status: return "crm_status"
        case .user: return "user"
        case .company: return "crm_company"
        case .contact: return "crm_contact"
        case .currency: return "crm_currency"
        case .multifield: return "crm_multifield"
        case .enumeration: return "enumeration"
        case .boolean: return "boolean"
        }
    }

    /// Whether filters compare it as a number.
    var isNumeric: Bool {
        switch self {
        case .integer, .double, .money, .user, .company, .contact, .boolean: return true
        default: return false
        }
    }
}

/// One field of an entity as `crm.*.fields` describes it.
public struct FieldSpec: Sendable {
    /// `TITLE`, `UF_CRM_SCORE`…
    public var name: String
    /// Behaviour in filters and output.
    public var kind: FieldKind
    /// Human title.
    public var title: String
    /// Read-only for writes.
    public var isReadOnly: Bool = false
    /// Holds several values.
    public var isMultiple: Bool = false
    /// A custom (`UF_`) field.
    public var isCustom: Bool = false
    /// Status type for `crm_status` fields (`STATUS`, `SOURCE`, `HONORIFIC`).
    public var statusType: String?
}

/// The fields of one entity type, in the order the portal lists them.
public struct EntitySchema: Sendable {
    /// Fields in output order.
    public let fields: [FieldSpec]
    private let index: [String: Int]

    /// A schema from fields in output order.
    public init(fields: [FieldSpec]) {
        self.fields = fields
        var index: [String: Int] = [:]
        for (position, field) in fields.enumerated() { index[field.name] = position }
        self.index = index
    }

    /// The field called `name` (exact, upper case), if it exists.
    public func field(_ name: String) -> FieldSpec? {
        index[name].map { fields[$0] }
    }

    /// The fields a `select` asks for: `*` (or nothing) for system fields, `UF_*` for custom
    /// fields, and multifields only when named. Unknown names are ignored.
    func selected(_ select: [String]) -> [FieldSpec] {
        let names = Set(select.map { $0.uppercased() })
        let everything = names.isEmpty || names.contains("*")
        let allCustom = names.contains("UF_*")
        var chosen = fields.filter { field in
            if names.contains(field.name) { return true }
            if field.kind == .multifield { return false }
            // As documented: `UF_*` returns every custom field except the multiple ones, which
            // come only when named.
            if field.isCustom { return allCustom && !field.isMultiple }
            return everything
        }
        if chosen.contains(where: { $0.kind == .multifield }), !chosen.contains(where: { $0.name == "ID" }),
            let id = field("ID")
        {
            chosen.insert(id, at: 0)
        }
        return chosen
    }
}
