internal import TOMLKit

/// A `b24pg.toml`: the database, `[defaults]`, `[worker]` and any number of `[[portal]]` entries.
/// Secrets come by reference only (`webhook_url_env`, `webhook_url_file`); unknown keys, wrong
/// types, a missing variable or an unreadable file are a `ConfigError` naming the line and key.
public struct ConfigFile: Sendable {
    /// The path it was read from.
    public var path: String
    /// The database connection string from `[database]`, when the file gives one.
    public var databaseURL: String?
    /// The key that seals stored OAuth tokens (`[database] token_key_env` or `token_key_file`).
    public var tokenKey: String?
    /// An older key stored tokens may still be sealed with (`previous_token_key_env` or `_file`).
    public var previousTokenKey: String?
    /// `[worker]`.
    public var worker: WorkerSettings
    /// `[defaults]`.
    public var defaults: PortalSettings
    /// The `[[portal]]` entries, in file order.
    public var portals: [PortalEntry]

    /// Reads and checks the file at `path`; variables come from `environment`.
    public static func load(path: String, environment: [String: String]) throws(ConfigError) -> ConfigFile {
        let text: String
        do {
            text = try SecretFile.read(path)
        } catch {
            throw ConfigError(file: path, message: "cannot be read (\(error.reason))")
        }
        return try parse(text, path: path, environment: environment, readFile: SecretFile.read)
    }

    /// Checks `text` as the file `path`; `readFile` reads the files that `…_file` keys name.
    public static func parse(
        _ text: String, path: String, environment: [String: String],
        readFile: @escaping (String) throws(SecretFile.Failure) -> String
    ) throws(ConfigError) -> ConfigFile {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(file: path, line: error.source.begin.line, message: error.description)
        } catch {
            throw ConfigError(file: path, message: "is not TOML (\(error))")
        }
        let reader = Reader(path: path, lines: KeyLines(text), environment: environment, readFile: readFile)
        try reader.allow(root, table: "", keys: ["database", "defaults", "worker", "portal"])
        var file = ConfigFile(
            path: path, databaseURL: nil, worker: WorkerSettings(), defaults: PortalSettings(), portals: [])
        if let database = try reader.table(root, "database", in: "") {
            try reader.allow(
                database, table: "database",
                keys: [
                    "url", "url_env", "url_file", "token_key_env", "token_key_file", "previous_token_key_env",
                    "previous_token_key_file",
                ])
            file.databaseURL = try reader.reference(database, table: "database", base: "url", inlineAllowed: true)
            file.tokenKey = try reader.reference(database, table: "database", base: "token_key", inlineAllowed: false)
            file.previousTokenKey = try reader.reference(
                database, table: "database", base: "previous_token_key", inlineAllowed: false)
        }
        if let worker = try reader.table(root, "worker", in: "") {
            file.worker = try reader.worker(worker)
        }
        if let defaults = try reader.table(root, "defaults", in: "") {
            try reader.allow(defaults, table: "defaults", keys: Reader.settingKeys)
            file.defaults = try reader.settings(defaults, table: "defaults", over: PortalSettings())
        }
        guard let portals = root["portal"] else { return file }
        guard let array = portals.array else {
            throw reader.error(table: "", key: "portal", "must be an array of tables: write [[portal]]")
        }
        var names: Set<String> = []
        for (index, value) in array.enumerated() {
            let table = "portal[\(index + 1)]"
            guard let entry = value.table else { throw reader.error(table: "", key: "portal", "must hold tables") }
            let portal = try reader.portal(entry, table: table, defaults: file.defaults)
            guard names.insert(portal.name).inserted else {
                throw reader.error(table: table, key: "name", "\"\(portal.name)\" names two portals")
            }
            file.portals.append(portal)
        }
        return file
    }
}

/// Reads the checked values out of the parsed tables, with lines for every error.
private struct Reader {
    let path: String
    let lines: KeyLines
    let environment: [String: String]
    let readFile: (String) throws(SecretFile.Failure) -> String

    static let settingKeys = [
        "rate", "burst", "operating_budget", "max_attempts", "max_retry_seconds", "chunk_size", "audit_every",
        "max_delete_share", "every", "daily",
    ]

    func error(table: String, key: String? = nil, _ message: String) -> ConfigError {
        ConfigError(
            file: path, line: lines.line(table: table, key: key),
            key: key.map { KeyLines.path(table, $0) } ?? (table.isEmpty ? nil : table), message: message)
    }

    func allow(_ table: TOMLTable, table name: String, keys: [String]) throws(ConfigError) {
        for key in table.keys.sorted() where !keys.contains(key) {
            let secrets = [
                "webhook_url", "client_id", "client_secret", "refresh_token", "token_key", "previous_token_key",
            ]
            let hint = secrets.contains(key) ? ": secrets only by reference, \(key)_env or \(key)_file" : ""
            throw error(table: name, key: key, "unknown key (known: \(keys.joined(separator: ", ")))\(hint)")
        }
    }

    func table(_ parent: TOMLTable, _ key: String, in name: String) throws(ConfigError) -> TOMLTable? {
        guard let value = parent[key] else { return nil }
        guard let table = value.table else { throw error(table: name, key: key, "must be a table: write [\(key)]") }
        return table
    }

    func string(_ table: TOMLTable, _ key: String, in name: String) throws(ConfigError) -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else { throw error(table: name, key: key, "must be a string") }
        return text
    }

    func number(
        _ table: TOMLTable, _ key: String, in name: String, atLeast low: Double
    ) throws(ConfigError)
        -> Double?
    {
        guard let value = table[key] else { return nil }
        guard let number = value.double ?? value.int.map(Double.init), number >= low else {
            throw error(table: name, key: key, "must be a number of at least \(low)")
        }
        return number
    }

    func integer(_ table: TOMLTable, _ key: String, in name: String, atLeast low: Int) throws(ConfigError) -> Int? {
        guard let value = table[key] else { return nil }
        guard let number = value.int, number >= low else {
            throw error(table: name, key: key, "must be a whole number of at least \(low)")
        }
        return number
    }

    func duration(
        _ table: TOMLTable, _ key: String, in name: String, atLeast low: Int64
    ) throws(ConfigError)
        -> Int64?
    {
        guard let text = try string(table, key, in: name) else { return nil }
        guard let seconds = DurationText.seconds(text), seconds >= low else {
            throw error(table: name, key: key, "must be a duration like 90s, 15m, 24h or 7d, of at least \(low)s")
        }
        return seconds
    }

    /// `base` inline (when allowed), `base_env` or `base_file`: exactly one, resolved.
    func reference(
        _ table: TOMLTable, table name: String, base: String, inlineAllowed: Bool
    ) throws(ConfigError)
        -> String?
    {
        let given = [base, base + "_env", base + "_file"].filter { table[$0] != nil }
        guard given.count <= 1 else {
            throw error(table: name, key: given[1], "give only one of \(given.joined(separator: ", "))")
        }
        if inlineAllowed, let inline = try string(table, base, in: name) { return inline }
        if let variable = try string(table, base + "_env", in: name) {
            guard let value = environment[variable], !value.isEmpty else {
                throw error(table: name, key: base + "_env", "the variable \(variable) is not set")
            }
            return value
        }
        if let file = try string(table, base + "_file", in: name) {
            let value: String
            do {
                value = try readFile(file).trimmingWhitespace
            } catch {
                throw self.error(table: name, key: base + "_file", "\(file) cannot be read (\(error.reason))")
            }
            guard !value.isEmpty else { throw error(table: name, key: base + "_file", "\(file) is empty") }
            return value
        }
        return nil
    }

    func worker(_ table: TOMLTable) throws(ConfigError) -> WorkerSettings {
        try allow(
            table, table: "worker",
            keys: ["concurrency", "lease", "poll", "backoff", "backoff_max", "metrics_port", "metrics_host"])
        var settings = WorkerSettings()
        if let value = try integer(table, "concurrency", in: "worker", atLeast: 1) { settings.concurrency = value }
        if let value = try duration(table, "lease", in: "worker", atLeast: 3) { settings.leaseSeconds = value }
        if let value = try duration(table, "poll", in: "worker", atLeast: 1) { settings.pollSeconds = value }
        if let value = try duration(table, "backoff", in: "worker", atLeast: 1) { settings.backoffSeconds = value }
        if let value = try duration(table, "backoff_max", in: "worker", atLeast: 1) {
            settings.backoffMaxSeconds = value
        }
        if let value = try integer(table, "metrics_port", in: "worker", atLeast: 0) {
            guard value <= 65_535 else {
                throw error(table: "worker", key: "metrics_port", "must be a port, 0 to 65535")
            }
            settings.metricsPort = value
        }
        if let value = try string(table, "metrics_host", in: "worker") { settings.metricsHost = value }
        return settings
    }

    func settings(
        _ table: TOMLTable, table name: String, over base: PortalSettings
    ) throws(ConfigError)
        -> PortalSettings
    {
        var settings = base
        if let value = try number(table, "rate", in: name, atLeast: 0) { settings.rate = value }
        if let value = try number(table, "burst", in: name, atLeast: 1) { settings.burst = value }
        if let value = try number(table, "operating_budget", in: name, atLeast: 0) { settings.operatingBudget = value }
        if let value = try integer(table, "max_attempts", in: name, atLeast: 1) { settings.maxAttempts = value }
        if let value = try number(table, "max_retry_seconds", in: name, atLeast: 0) { settings.maxRetrySeconds = value }
        if let value = try integer(table, "chunk_size", in: name, atLeast: 1) { settings.chunkSize = value }
        if let value = try duration(table, "audit_every", in: name, atLeast: 0) { settings.auditEvery = value }
        if let value = try number(table, "max_delete_share", in: name, atLeast: 0) {
            guard value <= 1 else { throw error(table: name, key: "max_delete_share", "must be between 0 and 1") }
            settings.maxDeleteShare = value
        }
        let every = try string(table, "every", in: name)
        let daily = try string(table, "daily", in: name)
        if every != nil, daily != nil { throw error(table: name, key: "daily", "give only one of every, daily") }
        if let every {
            guard let schedule = Schedule(every: every) else {
                throw error(table: name, key: "every", "must be a duration of at least 1m, like 15m or 6h")
            }
            settings.schedule = schedule
        }
        if let daily {
            guard let schedule = Schedule(daily: daily) else {
                throw error(table: name, key: "daily", "must be a time of day HH:MM, like 02:30")
            }
            settings.schedule = schedule
        }
        return settings
    }

    static let oauthKeys = [
        "client_endpoint", "token_url", "client_id_env", "client_id_file", "client_secret_env", "client_secret_file",
        "refresh_token_env", "refresh_token_file",
    ]

    func portal(_ table: TOMLTable, table name: String, defaults: PortalSettings) throws(ConfigError) -> PortalEntry {
        try allow(
            table, table: name,
            keys: ["name", "webhook_url_env", "webhook_url_file"] + Self.oauthKeys + Self.settingKeys)
        guard let portal = try string(table, "name", in: name) else { throw error(table: name, "needs a name") }
        guard PortalEntry.isValidName(portal) else {
            throw error(table: name, key: "name", "must be 1 to 100 letters, digits, '.', '_', ':' or '-'")
        }
        let oauthGiven = Self.oauthKeys.filter { table[$0] != nil }
        let access: PortalAccess
        if let webhook = try reference(table, table: name, base: "webhook_url", inlineAllowed: false) {
            if let both = oauthGiven.first {
                throw error(table: name, key: both, "a portal is read through a webhook or an application, not both")
            }
            access = .webhook(url: webhook)
        } else if !oauthGiven.isEmpty {
            access = .oauth(try oauth(table, table: name))
        } else {
            throw error(
                table: name,
                "needs webhook_url_env or webhook_url_file, or an application's client_endpoint, client_id_env and "
                    + "client_secret_env (secrets only by reference)")
        }
        return PortalEntry(
            name: portal, access: access, settings: try settings(table, table: name, over: defaults),
            line: lines.line(table: name) ?? 0)
    }

    func oauth(_ table: TOMLTable, table name: String) throws(ConfigError) -> OAuthEntry {
        guard let endpoint = try string(table, "client_endpoint", in: name) else {
            throw error(table: name, "an application needs client_endpoint, like https://PORTAL/rest/")
        }
        guard endpoint.hasPrefix("https://") || endpoint.hasPrefix("http://") else {
            throw error(table: name, key: "client_endpoint", "must be a URL like https://PORTAL/rest/")
        }
        guard let clientID = try reference(table, table: name, base: "client_id", inlineAllowed: false) else {
            throw error(table: name, "an application needs client_id_env or client_id_file")
        }
        guard let secret = try reference(table, table: name, base: "client_secret", inlineAllowed: false) else {
            throw error(table: name, "an application needs client_secret_env or client_secret_file")
        }
        return OAuthEntry(
            clientEndpoint: endpoint, tokenURL: try string(table, "token_url", in: name),
            clientID: clientID, clientSecret: secret,
            refreshToken: try reference(table, table: name, base: "refresh_token", inlineAllowed: false))
    }
}

extension String {
    /// The text without leading and trailing spaces, tabs and line breaks.
    fileprivate var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
