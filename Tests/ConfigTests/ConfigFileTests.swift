import Config
import Foundation
import Testing

@Suite("The config file: values, references and errors that name the line and key")
struct ConfigFileTests {
    static let example = """
        # b24pg.toml
        [database]
        url_env = "WAREHOUSE_URL"

        [worker]
        concurrency = 3
        lease = "90s"

        [defaults]
        rate = 2
        burst = 50
        every = "30m"

        [[portal]]
        name = "acme"
        webhook_url_env = "ACME_WEBHOOK"
        every = "15m"

        [[portal]]
        name = "globex-eu"
        webhook_url_file = "/run/secrets/globex"
        daily = "02:30"
        rate = 5
        burst = 250
        """

    static let environment = [
        "WAREHOUSE_URL": "postgresql://etl@db/warehouse", "ACME_WEBHOOK": "https://acme.bitrix24.com/rest/1/s3cr3t/",
    ]

    static func files(_ path: String) throws(SecretFile.Failure) -> String {
        guard path == "/run/secrets/globex" else { throw SecretFile.Failure(reason: "no such file") }
        return "https://globex.bitrix24.de/rest/7/t0ken/\n"
    }

    static func parse(_ text: String, environment: [String: String] = environment) throws(ConfigError) -> ConfigFile {
        try ConfigFile.parse(text, path: "b24pg.toml", environment: environment, readFile: files)
    }

    static func error(_ text: String, environment: [String: String] = environment) -> ConfigError? {
        do {
            _ = try parse(text, environment: environment)
            return nil
        } catch {
            return error
        }
    }

    @Test("every section is read; a portal's keys override [defaults]; references are resolved")
    func example() throws {
        let file = try Self.parse(Self.example)
        #expect(file.databaseURL == "postgresql://etl@db/warehouse")
        #expect(file.worker.concurrency == 3 && file.worker.leaseSeconds == 90 && file.worker.pollSeconds == 5)
        #expect(file.portals.map(\.name) == ["acme", "globex-eu"])
        let acme = file.portals[0]
        #expect(acme.webhookURL == "https://acme.bitrix24.com/rest/1/s3cr3t/")
        #expect(acme.settings.schedule == .every(seconds: 900) && acme.settings.rate == 2)
        #expect(acme.line == 14)
        let globex = file.portals[1]
        #expect(globex.webhookURL == "https://globex.bitrix24.de/rest/7/t0ken/", "the file's line break is trimmed")
        #expect(globex.settings.schedule == .daily(minuteOfDay: 150))
        #expect(globex.settings.rate == 5 && globex.settings.burst == 250)
        #expect(!"\(globex)".contains("t0ken") && !"\(acme)".contains("s3cr3t"), "descriptions never hold the secret")
    }

    @Test("an unknown key is named with its line, in a portal and at the top")
    func unknownKeys() {
        let misspelt = Self.example.replacingOccurrences(of: "rate = 5", with: "rat = 5")
        let error = Self.error(misspelt)
        #expect(error?.line == 23 && error?.key == "portal[2].rat")
        #expect(error?.description.hasPrefix("b24pg.toml:23: portal[2].rat: unknown key") == true)
        let top = Self.error("colour = \"blue\"\n")
        #expect(top?.line == 1 && top?.key == "colour")
        let inline = Self.error("[[portal]]\nname = \"a\"\nwebhook_url = \"https://a.bitrix24.com/rest/1/x/\"\n")
        #expect(inline?.line == 3 && inline?.description.contains("secrets only by reference") == true)
        #expect(inline?.description.contains("/rest/1/x/") == false, "the inline secret is not repeated")
    }

    @Test("a variable that is not set and a file that cannot be read name the key, never a value")
    func references() {
        var environment = Self.environment
        environment["ACME_WEBHOOK"] = nil
        let missing = Self.error(Self.example, environment: environment)
        #expect(missing?.line == 16 && missing?.key == "portal[1].webhook_url_env")
        #expect(missing?.message == "the variable ACME_WEBHOOK is not set")
        let unreadable = Self.error(
            Self.example.replacingOccurrences(of: "/run/secrets/globex", with: "/run/secrets/gone"))
        #expect(unreadable?.line == 21 && unreadable?.key == "portal[2].webhook_url_file")
        #expect(unreadable?.message == "/run/secrets/gone cannot be read (no such file)")
        let none = Self.error("[[portal]]\nname = \"a\"\n")
        #expect(none?.line == 1 && none?.message.contains("webhook_url_env or webhook_url_file") == true)
        let both = Self.error(
            "[[portal]]\nname = \"a\"\nwebhook_url_env = \"A\"\nwebhook_url_file = \"/x\"\n", environment: ["A": "x"])
        #expect(both?.key == "portal[1].webhook_url_file")
    }

    @Test("wrong types, bad schedules, duplicate names and syntax errors are refused with their line")
    func values() {
        let rate = Self.error(Self.example.replacingOccurrences(of: "rate = 5", with: "rate = \"fast\""))
        #expect(rate?.line == 23 && rate?.message == "must be a number of at least 0.0")
        let every = Self.error(Self.example.replacingOccurrences(of: "every = \"15m\"", with: "every = \"30s\""))
        #expect(every?.line == 17 && every?.key == "portal[1].every")
        let daily = Self.error(Self.example.replacingOccurrences(of: "\"02:30\"", with: "\"25:00\""))
        #expect(daily?.line == 22)
        let twice = Self.error(Self.example.replacingOccurrences(of: "globex-eu", with: "acme"))
        #expect(twice?.line == 20 && twice?.message == "\"acme\" names two portals")
        let name = Self.error(Self.example.replacingOccurrences(of: "globex-eu", with: "globex eu"))
        #expect(name?.key == "portal[2].name")
        let syntax = Self.error("[worker]\nconcurrency = = 3\n")
        #expect(syntax?.line == 2 && syntax?.key == nil)
        let concurrency = Self.error("[worker]\nconcurrency = 0\n")
        #expect(concurrency?.line == 2 && concurrency?.key == "worker.concurrency")
    }

    static let application = """
        [database]
        url_env = "WAREHOUSE_URL"
        token_key_file = "/run/secrets/token-key"

        [[portal]]
        name = "initech"
        client_endpoint = "https://initech.bitrix24.com/rest/"
        client_id_env = "INITECH_CLIENT_ID"
        client_secret_file = "/run/secrets/initech-secret"
        refresh_token_env = "INITECH_REFRESH"
        every = "1h"
        """

    static func applicationFiles(_ path: String) throws(SecretFile.Failure) -> String {
        switch path {
        case "/run/secrets/token-key": return "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=\n"
        case "/run/secrets/initech-secret": return "cl1ent-s3cret\n"
        default: throw SecretFile.Failure(reason: "no such file")
        }
    }

    static func parseApplication(
        _ text: String = application,
        environment: [String: String] = [
            "WAREHOUSE_URL": "postgresql://db/w", "INITECH_CLIENT_ID": "local.abc", "INITECH_REFRESH": "r3fresh",
        ]
    ) throws(ConfigError) -> ConfigFile {
        try ConfigFile.parse(text, path: "b24pg.toml", environment: environment, readFile: applicationFiles)
    }

    @Test(
        "an application portal: endpoint, id and secret by reference, the first refresh token optional; the token key")
    func applicationPortal() throws {
        let file = try Self.parseApplication()
        #expect(file.tokenKey == "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=" && file.previousTokenKey == nil)
        let entry = try #require(file.portals.first)
        guard case .oauth(let oauth) = entry.access else {
            Issue.record("not read as an application")
            return
        }
        #expect(
            oauth.clientEndpoint == "https://initech.bitrix24.com/rest/" && oauth.tokenURL == nil)
        #expect(
            oauth.clientID == "local.abc" && oauth.clientSecret == "cl1ent-s3cret" && oauth.refreshToken == "r3fresh")
        #expect(entry.webhookURL == nil && entry.settings.schedule == .every(seconds: 3_600))
        #expect(!"\(entry)".contains("s3cret") && !"\(entry)".contains("r3fresh"))
        let later = try Self.parseApplication(
            Self.application.replacingOccurrences(of: "refresh_token_env = \"INITECH_REFRESH\"\n", with: ""))
        guard case .oauth(let stored) = later.portals.first?.access else {
            Issue.record("not read as an application")
            return
        }
        #expect(stored.refreshToken == nil, "once the database holds tokens no first token is needed")
    }

    @Test(
        "an application entry without its id or secret, with an inline secret, or also with a webhook is refused by key"
    )
    func applicationErrors() {
        func error(_ text: String) -> ConfigError? {
            do {
                _ = try Self.parseApplication(text)
                return nil
            } catch {
                return error
            }
        }
        let noSecret = error(
            Self.application.replacingOccurrences(
                of: "client_secret_file = \"/run/secrets/initech-secret\"\n", with: ""))
        #expect(noSecret?.line == 5 && noSecret?.message.contains("client_secret_env or client_secret_file") == true)
        let inline = error(
            Self.application.replacingOccurrences(
                of: "client_secret_file = \"/run/secrets/initech-secret\"", with: "client_secret = \"abc\""))
        #expect(inline?.key == "portal[1].client_secret" && inline?.message.contains("only by reference") == true)
        #expect(inline?.description.contains("abc") == false)
        let both = error(Self.application + "\nwebhook_url_env = \"INITECH_CLIENT_ID\"\n")
        #expect(both?.message.contains("not both") == true)
        let missingKey = error(
            Self.application.replacingOccurrences(of: "/run/secrets/token-key", with: "/run/secrets/none"))
        #expect(missingKey?.key == "database.token_key_file" && missingKey?.line == 3)
        let inlineKey = error(Self.application.replacingOccurrences(of: "token_key_file", with: "token_key"))
        #expect(inlineKey?.key == "database.token_key" && inlineKey?.description.contains("a2V5") == false)
        let badEndpoint = error(Self.application.replacingOccurrences(of: "https://initech", with: "initech"))
        #expect(badEndpoint?.key == "portal[1].client_endpoint")
    }
}
