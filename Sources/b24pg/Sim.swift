import ArgumentParser
import B24Core
import Foundation
import PortalSim

/// `b24pg sim`: serves a simulated Bitrix24 portal on loopback.
struct Sim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a simulated Bitrix24 portal on loopback (for the demo, tests and benchmarks).",
        discussion: """
            Deterministic data from --seed and --leads; the real API's paging, filters, batch, value \
            shapes, rate limit and errors. Prints the webhook URL and an OAuth application's client id, \
            secret and first tokens. GET /_sim/stats returns request counters, GET /_sim/oauth the token \
            server's (refreshes, refused, spent tokens sent again, revocations); POST /_sim/faults, /_sim/limits, /_sim/access (rights and CRM mode), /_sim/restore (a \
            deleted lead back from the recycle bin) and /_sim/expire-tokens change behaviour at run time.
            """
    )

    @Option(help: "Loopback address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8080

    @Option(help: "Number of leads to generate.")
    var leads = 10_000

    @Option(help: "Seed for the generated data.")
    var seed: UInt64 = 42

    @Option(
        name: .customLong("time-zone"),
        parsing: .unconditional,
        help:
            "The portal's zone: a UTC offset (+03:00, -04:00) or an IANA name (Europe/Berlin), whose dates carry the offset in force at each instant."
    )
    var timeZone = "+03:00"

    @Option(
        help:
            "Date (YYYY-MM-DD) of the newest generated change; creation dates span the two years before it (default: today)."
    )
    var anchor: String?

    @Option(help: "Leaky-bucket drain in requests per second; 0 disables the limit.")
    var rate = 2.0

    @Option(help: "Leaky-bucket size: requests allowed in a burst before 503 QUERY_LIMIT_EXCEEDED.")
    var burst = 50.0

    @Option(
        name: .customLong("operating-limit"),
        help:
            "Operating seconds per method per 10 minutes before 429 OPERATION_TIME_LIMIT (0: off). Each call costs more the more rows it returns, ids it filters on and rows a start=0 list counts."
    )
    var operatingLimit = 480.0

    @Option(
        name: .customLong("request-time-limit"),
        help: "Operating seconds one HTTP request may run before the portal cuts it with 504 (0: off).")
    var requestTimeLimit = 60.0

    @Flag(
        name: .customLong("children-bump-modify"),
        help:
            "Writing product rows or contact bindings moves the lead's DATE_MODIFY (by default it does not: not verified on real portals)."
    )
    var childrenBumpModify = false

    @Option(
        name: .customLong("product-row-arrays"),
        help:
            "crm.item.productrow.list with an array of owners: 'source' (IN, read permission checked on lead 1 only, as the server's code does) or 'refuse' (ACCESS_DENIED)."
    )
    var productRowArrays = "source"

    @Option(
        name: .customLong("deleted-lead-history"),
        help:
            "Stage history of a deleted lead: 'keep' (crm.stagehistory.list goes on listing it) or 'remove' (gone with the lead); not verified on real portals."
    )
    var deletedLeadHistory = "keep"

    @Option(
        name: .customLong("card-layout"),
        help:
            "The shared lead card crm.lead.details.configuration.get (scope C) answers: 'shared' (sections with custom fields in their own order) or 'none' (null: no common layout saved)."
    )
    var cardLayout = "shared"

    @Option(name: .customLong("fail-500"), help: "Fraction of requests answered 500 with an HTML body.")
    var fail500 = 0.0

    @Option(name: .customLong("fail-503"), help: "Fraction of requests answered 503 QUERY_LIMIT_EXCEEDED.")
    var fail503 = 0.0

    @Option(name: .customLong("fail-drop"), help: "Fraction of requests whose connection is closed without an answer.")
    var failDrop = 0.0

    @Option(name: .customLong("fail-slow"), help: "Fraction of requests answered after --slow-seconds.")
    var failSlow = 0.0

    @Option(name: .customLong("fail-truncate"), help: "Fraction of requests answered with JSON cut in half.")
    var failTruncate = 0.0

    @Option(name: .customLong("slow-seconds"), help: "Delay of a slow answer.")
    var slowSeconds = 1.5

    @Option(name: .customLong("fault-seed"), help: "Seed for choosing which requests fail.")
    var faultSeed: UInt64 = 7

    @Option(
        name: .customLong("joined-twice"),
        help:
            "Share of leads a keyset page of crm.lead.list counts twice (as a join repeating a row does), so some pages come back short with more data after them."
    )
    var joinedTwice = 0.0

    @Option(
        name: .customLong("visible-to"),
        help:
            "Narrow the webhook's user to the leads of this responsible user (lists, counts and gets), as a non-admin would see them."
    )
    var visibleTo: Int64?

    @Flag(
        name: .customLong("simple-crm"),
        help: "Answer as a portal in simple CRM mode (no leads; crm.settings.mode.get = 2).")
    var simpleCRM = false

    @Option(name: .customLong("webhook-code"), help: "Webhook secret to accept (default: derived from --seed).")
    var webhookCode: String?

    @Option(name: .customLong("token-lifetime"), help: "OAuth access-token lifetime in seconds.")
    var tokenLifetime = 3600.0

    @Option(
        name: .customLong("spent-refresh"),
        help:
            "A spent OAuth refresh token sent again: 'revoke' (everything issued stops working) or 'refuse' (invalid_grant only)."
    )
    var spentRefresh = SimAuth.SpentRefresh.revokesAll.rawValue

    @Option(
        name: .customLong("old-access"),
        help:
            "The access token of a spent refresh token: 'revoke' (invalid_token at once) or 'keep' (until it expires).")
    var oldAccess = SimAuth.OldAccess.revoked.rawValue

    func validate() throws {
        guard ["127.0.0.1", "localhost", "::1"].contains(host) || host.hasPrefix("127.") else {
            throw ValidationError("--host must be a loopback address; the simulator never listens on a network")
        }
        guard PortalTime(zone: timeZone) != nil else {
            throw ValidationError(
                "--time-zone must be an offset like +03:00 or -04:00, or a zone name like Europe/Berlin")
        }
        guard leads >= 0 else { throw ValidationError("--leads must not be negative") }
        guard ChildBehaviour.OwnerArrays(rawValue: productRowArrays) != nil else {
            throw ValidationError("--product-row-arrays must be 'source' or 'refuse'")
        }
        guard ["shared", "none"].contains(cardLayout) else {
            throw ValidationError("--card-layout must be 'shared' or 'none'")
        }
        guard ChildBehaviour.DeletedLeadHistory(rawValue: deletedLeadHistory) != nil else {
            throw ValidationError("--deleted-lead-history must be 'keep' or 'remove'")
        }
        guard SimAuth.SpentRefresh(rawValue: spentRefresh) != nil else {
            throw ValidationError("--spent-refresh must be 'revoke' or 'refuse'")
        }
        guard SimAuth.OldAccess(rawValue: oldAccess) != nil else {
            throw ValidationError("--old-access must be 'revoke' or 'keep'")
        }
        guard (0...1).contains(joinedTwice) else { throw ValidationError("--joined-twice must be between 0 and 1") }
        if let anchor, PortalTime(offsetSeconds: 0).parse(anchor) == nil {
            throw ValidationError("--anchor must be a date like 2025-12-31")
        }
    }

    func run() async throws {
        let time = PortalTime(zone: timeZone) ?? PortalTime(offsetSeconds: 0)
        let anchorTime: Int64
        if let anchor, let parsed = time.parse(anchor) {
            anchorTime = parsed
        } else {
            anchorTime = time.startOfDay(Int64(Date().timeIntervalSince1970))
        }
        let started = Date()
        var dataset = PortalDataset.generate(seed: seed, leadCount: leads, time: time, anchor: anchorTime)
        if cardLayout == "none" { dataset.cardLayout = nil }
        let portal = SimulatedPortal(
            dataset: dataset,
            limits: PortalLimits(
                rate: rate, burst: burst, operatingLimit: operatingLimit, requestTimeLimit: requestTimeLimit))
        portal.childBehaviour = ChildBehaviour(
            bumpsModify: childrenBumpModify,
            ownerArrays: ChildBehaviour.OwnerArrays(rawValue: productRowArrays) ?? .serverSource,
            deletedLeadHistory: ChildBehaviour.DeletedLeadHistory(rawValue: deletedLeadHistory) ?? .keep)
        portal.pageQuirks = PageQuirks(joinedTwiceShare: joinedTwice)
        portal.accessRights = PortalAccess(visibleTo: visibleTo, crmMode: simpleCRM ? 2 : 1)
        let faults = FaultPlan(
            serverError: fail500, unavailable: fail503, drop: failDrop, slow: failSlow, truncate: failTruncate,
            slowSeconds: slowSeconds)
        var auth = SimAuth(seed: seed, webhookCode: webhookCode, tokenLifetime: tokenLifetime)
        auth.spentRefresh = SimAuth.SpentRefresh(rawValue: spentRefresh) ?? .revokesAll
        auth.oldAccess = SimAuth.OldAccess(rawValue: oldAccess) ?? .revoked
        let router = PortalRouter(portal: portal, auth: auth, faults: faults, faultSeed: faultSeed)
        let server: PortalServer
        do {
            server = try await PortalServer.start(router: router, host: host, port: port)
        } catch {
            throw RunFailure(message: "cannot listen on \(host):\(port): \(error)", exitCode: ExitStatus.failed)
        }
        let tokens = router.issueTokens()
        let credentials = router.credentials
        let seconds = Date().timeIntervalSince(started)
        print("webhook: \(server.baseURL)/rest/\(credentials.webhookUser)/\(credentials.webhookCode)/")
        print("oauth: endpoint=\(server.baseURL)/rest/ token_url=\(server.baseURL)/oauth/token/")
        print("oauth: client_id=\(credentials.clientID) client_secret=\(credentials.clientSecret)")
        print("oauth: access_token=\(tokens.access) refresh_token=\(tokens.refresh)")
        print("stats: \(server.baseURL)/_sim/stats \(server.baseURL)/_sim/oauth")
        print(
            "portal: \(dataset.leadIDs.count) leads, \(dataset.history.count) stage changes, "
                + "\(dataset.productRows.values.reduce(0) { $0 + $1.count }) product rows, "
                + "time zone \(time.offsetText), rate \(rate)/s burst \(Int(burst)), generated in "
                + String(format: "%.1f s", seconds))
        fflush(nil)
        try await server.waitUntilClosed()
    }
}
