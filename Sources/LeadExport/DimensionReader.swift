import B24Core
import Bitrix24

/// Reads the contacts and companies that leads refer to, 50 ids per command, 50 commands per request.
public struct DimensionReader: Sendable {
    /// The client.
    public let client: BitrixClient
    /// The portal's time zone.
    public let time: PortalTime

    /// A reader over `client`.
    public init(client: BitrixClient, time: PortalTime) {
        self.client = client
        self.time = time
    }

    /// Contacts and companies with the given ids (ids the portal does not have are left out).
    public func read(contactIDs: [Int64], companyIDs: [Int64]) async throws -> ([ContactRecord], [CompanyRecord]) {
        var commands: [BatchCommand] = []
        for (index, start) in stride(from: 0, to: contactIDs.count, by: 50).enumerated() {
            let ids = contactIDs[start..<min(start + 50, contactIDs.count)]
            commands.append(
                BatchCommand(
                    key: "contacts\(index)", method: "crm.contact.list",
                    parameters: [
                        "filter": ["@ID": .array(ids.map { .int($0) })], "order": ["ID": "ASC"], "start": -1,
                        "select": [
                            "ID", "NAME", "LAST_NAME", "POST", "TYPE_ID", "SOURCE_ID", "COMPANY_ID", "ASSIGNED_BY_ID",
                            "DATE_CREATE", "DATE_MODIFY",
                        ],
                    ]))
        }
        for (index, start) in stride(from: 0, to: companyIDs.count, by: 50).enumerated() {
            let ids = companyIDs[start..<min(start + 50, companyIDs.count)]
            commands.append(
                BatchCommand(
                    key: "companies\(index)", method: "crm.company.list",
                    parameters: [
                        "filter": ["@ID": .array(ids.map { .int($0) })], "order": ["ID": "ASC"], "start": -1,
                        "select": [
                            "ID", "TITLE", "COMPANY_TYPE", "INDUSTRY", "EMPLOYEES", "REVENUE", "CURRENCY_ID",
                            "ASSIGNED_BY_ID", "DATE_CREATE", "DATE_MODIFY",
                        ],
                    ]))
        }
        var contacts: [ContactRecord] = []
        var companies: [CompanyRecord] = []
        for start in stride(from: 0, to: commands.count, by: 50) {
            let chunk = Array(commands[start..<min(start + 50, commands.count)])
            let (results, errors) = try await client.batchRetryingCommands(chunk)
            if let error = errors.values.first { throw error }
            for command in chunk {
                for row in results[command.key]?.elements ?? [] {
                    if command.method == "crm.contact.list" {
                        if let contact = contact(row) { contacts.append(contact) }
                    } else if let company = company(row) {
                        companies.append(company)
                    }
                }
            }
        }
        return (contacts, companies)
    }

    func contact(_ row: JSON) -> ContactRecord? {
        let reader = RecordReader(record: row, entity: "contact", time: time)
        guard let id = try? reader.id("ID") else { return nil }
        let first = reader.text("NAME")
        let last = reader.text("LAST_NAME")
        let full = [first, last].compactMap { $0 }.joined(separator: " ")
        return ContactRecord(
            contactID: id, name: full.isEmpty ? nil : full, firstName: first, lastName: last, post: reader.text("POST"),
            typeID: reader.text("TYPE_ID"), sourceID: reader.text("SOURCE_ID"),
            companyID: try? reader.reference("COMPANY_ID"),
            assignedByID: try? reader.reference("ASSIGNED_BY_ID"),
            createdAt: (try? reader.timestamp("DATE_CREATE")) ?? nil,
            modifiedAt: (try? reader.timestamp("DATE_MODIFY")) ?? nil)
    }

    func company(_ row: JSON) -> CompanyRecord? {
        let reader = RecordReader(record: row, entity: "company", time: time)
        guard let id = try? reader.id("ID") else { return nil }
        return CompanyRecord(
            companyID: id, title: reader.text("TITLE"), companyType: reader.text("COMPANY_TYPE"),
            industry: reader.text("INDUSTRY"), employees: reader.text("EMPLOYEES"),
            revenue: (try? reader.decimal("REVENUE")) ?? nil,
            currencyID: reader.text("CURRENCY_ID"), assignedByID: try? reader.reference("ASSIGNED_BY_ID"),
            createdAt: (try? reader.timestamp("DATE_CREATE")) ?? nil,
            modifiedAt: (try? reader.timestamp("DATE_MODIFY")) ?? nil)
    }
}
