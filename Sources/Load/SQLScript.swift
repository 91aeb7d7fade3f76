import LibPQ

/// A script of the loader's SQL, shipped in `Sources/Load/SQL/` and embedded in the binary.
///
/// Values reach it only as real `bigint` parameters (`$1`, `$2`…, each file says which), never
/// spliced into its text. Statements end with `;` at the end of a line and run one by one.
struct SQLScript: Sendable {
    /// The file name, for messages.
    let name: String
    /// The statements, comments removed.
    let statements: [String]

    /// The script in `bytes`.
    init(_ name: String, _ bytes: [UInt8]) {
        self.name = name
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.trimmingPrefix(while: { $0 == " " }).hasPrefix("--") }
        var statements: [String] = []
        var current: [Substring] = []
        for line in lines {
            current.append(line)
            if line.hasSuffix(";") {
                statements.append(current.joined(separator: "\n"))
                current = []
            }
        }
        let rest = current.joined(separator: "\n").trimmingPrefix(while: { $0 == "\n" || $0 == " " })
        if !rest.isEmpty { statements.append(String(rest)) }
        self.statements = statements
    }

    /// Runs every statement with `ids` as its `$1…` parameters (statements without a `$` get none).
    func run(on connection: Connection, ids: [Int64] = []) throws(PostgresError) {
        for statement in statements {
            if statement.contains("$") {
                try connection.execute(statement, ids: ids)
            } else {
                try connection.execute(statement)
            }
        }
    }
}

extension SQLScript {
    static let childrenClear = SQLScript("children_clear.sql", PackageResources.children_clear_sql)
    static let dealChildren = SQLScript("deal_children.sql", PackageResources.deal_children_sql)
    static let activityBindings = SQLScript("activity_bindings.sql", PackageResources.activity_bindings_sql)
    static let stagedChunkDerived = SQLScript("staged_chunk_derived.sql", PackageResources.staged_chunk_derived_sql)
    static let directChunkDerived = SQLScript("direct_chunk_derived.sql", PackageResources.direct_chunk_derived_sql)
    static let stagedHistoryDerived = SQLScript(
        "staged_history_derived.sql", PackageResources.staged_history_derived_sql)
    static let historyFirstLoadFinish = SQLScript(
        "history_first_load_finish.sql", PackageResources.history_first_load_finish_sql)
    static let referenceFinish = SQLScript("reference_finish.sql", PackageResources.reference_finish_sql)
}
