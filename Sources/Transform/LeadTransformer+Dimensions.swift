import B24Core
import Star

/// Contacts and companies, read with the same rules as leads: a value that cannot be loaded
/// exactly rejects the record with a `TransformError` naming it and the field.
extension LeadTransformer {
    /// A `crm.contact.list` row as a `dw.dim_contact` row.
    public func contact(_ row: JSON) throws(TransformError) -> ContactRecord {
        var reader = RecordReader(record: row, entity: "contact", time: time)
        let id = try reader.id("ID")
        reader.id = id
        let first = reader.text("NAME")
        let last = reader.text("LAST_NAME")
        let full = [first, last].compactMap { $0 }.joined(separator: " ")
        return ContactRecord(
            contactID: id, name: full.isEmpty ? nil : full, firstName: first, lastName: last, post: reader.text("POST"),
            typeID: reader.text("TYPE_ID"), sourceID: reader.text("SOURCE_ID"),
            companyID: try reader.reference("COMPANY_ID"), assignedByID: try reader.reference("ASSIGNED_BY_ID"),
            createdAt: try reader.timestamp("DATE_CREATE"), modifiedAt: try reader.timestamp("DATE_MODIFY"))
    }

    /// A `crm.company.list` row as a `dw.dim_company` row.
    public func company(_ row: JSON) throws(TransformError) -> CompanyRecord {
        var reader = RecordReader(record: row, entity: "company", time: time)
        let id = try reader.id("ID")
        reader.id = id
        return CompanyRecord(
            companyID: id, title: reader.text("TITLE"), companyType: reader.text("COMPANY_TYPE"),
            industry: reader.text("INDUSTRY"), employees: reader.text("EMPLOYEES"),
            revenue: try reader.decimal("REVENUE"), currencyID: reader.text("CURRENCY_ID"),
            assignedByID: try reader.reference("ASSIGNED_BY_ID"), createdAt: try reader.timestamp("DATE_CREATE"),
            modifiedAt: try reader.timestamp("DATE_MODIFY"))
    }
}
