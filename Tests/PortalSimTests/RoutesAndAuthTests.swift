import B24Core
import PortalSim
import Testing

@Suite("Simulator routes, authentication and request bodies over HTTP")
struct RoutesAndAuthTests {
    @Test("webhook routes answer with and without .json; a wrong code is 401 NO_AUTH_FOUND")
    func webhookRoutes() async throws {
        try await withPortal { portal in
            let plain = try await portal.form("crm.lead.list", query: "start=-1")
            let suffixed = try await portal.form("crm.lead.list.json", query: "start=-1")
            #expect(plain.status == 200)
            #expect(plain.body.rows.count == 50)
            #expect(suffixed.body.ids == plain.body.ids)

            for url in ["/rest/1/wrongcode/crm.lead.list", "/rest/2/testcode/crm.lead.list"] {
                let denied = try await portal.raw(portal.server.baseURL + url)
                #expect(denied.status == 401)
                let body = try JSON.parse(denied.body)
                #expect(body["error"] == "NO_AUTH_FOUND")
                #expect(body["error_description"] == "Wrong authorization data")
            }
            #expect(portal.portal.statistics.authFailures == 2)
        }
    }

    @Test("OAuth tokens expire with 401 expired_token and refresh into a new working pair")
    func oauthRefreshFlow() async throws {
        try await withPortal { portal in
            let tokens = portal.router.issueTokens()
            let credentials = portal.router.credentials
            let base = portal.server.baseURL
            let ok = try await portal.raw("\(base)/rest/crm.lead.list.json?start=-1&auth=\(tokens.access)")
            #expect(ok.status == 200)

            let invalid = try await portal.raw("\(base)/rest/crm.lead.list.json?auth=nonsense")
            #expect(try JSON.parse(invalid.body)["error"] == "invalid_token")

            _ = try await portal.raw("\(base)/_sim/expire-tokens", method: "POST")
            let expired = try await portal.raw("\(base)/rest/crm.lead.list.json?auth=\(tokens.access)")
            #expect(expired.status == 401)
            #expect(try JSON.parse(expired.body)["error"] == "expired_token")

            let refreshURL =
                "\(base)/oauth/token/?grant_type=refresh_token&client_id=\(credentials.clientID)"
                + "&client_secret=\(credentials.clientSecret)&refresh_token=\(tokens.refresh)"
            let refreshed = try JSON.parse(try await portal.raw(refreshURL).body)
            let access = try #require(refreshed["access_token"]?.stringValue)
            #expect(refreshed["refresh_token"]?.stringValue != tokens.refresh)
            #expect(refreshed["expires_in"] == .int(3600))
            let body = Array(#"{"auth":"\#(access)","start":-1}"#.utf8)
            let again = try await portal.raw(
                "\(base)/rest/crm.lead.list", method: "POST", body: body, contentType: "application/json")
            #expect(again.status == 200)

            let reused = try JSON.parse(try await portal.raw(refreshURL).body)
            #expect(reused["error"] == "invalid_grant")
            let wrongSecret = refreshURL.replacingOccurrences(of: credentials.clientSecret, with: "nope")
            #expect(try JSON.parse(try await portal.raw(wrongSecret).body)["error"] == "invalid_client")
        }
    }

    @Test(
        "the token server's unverified behaviours: a spent refresh token sent again revokes everything (default) or is only refused; the old access token dies with the refresh (default) or lives on"
    )
    func spentTokenPolicies() throws {
        for spent in SimAuth.SpentRefresh.allCases {
            for old in SimAuth.OldAccess.allCases {
                var auth = SimAuth(seed: 5)
                auth.spentRefresh = spent
                auth.oldAccess = old
                let first = auth.issueTokens(now: 0)
                let grant: (String) -> JSONObject = { token in
                    [
                        "grant_type": "refresh_token", "client_id": .string(auth.clientID),
                        "client_secret": .string(auth.clientSecret), "refresh_token": .string(token),
                    ]
                }
                let answer = try auth.refresh(grant(first.refresh), now: 1).get()
                #expect(answer["member_id"] == "sim5")
                let second = try #require(answer["access_token"]?.stringValue)
                let secondRefresh = try #require(answer["refresh_token"]?.stringValue)
                #expect(auth.check(accessToken: second, now: 2) == nil)
                #expect(
                    (auth.check(accessToken: first.access, now: 2) == nil) == (old == .kept),
                    "old access token with \(old)")
                guard case .failure(let reused) = auth.refresh(grant(first.refresh), now: 3) else {
                    Issue.record("a spent refresh token was accepted again")
                    continue
                }
                #expect(reused.code == "invalid_grant")
                let revoked = spent == .revokesAll
                #expect((auth.check(accessToken: second, now: 4) != nil) == revoked, "\(spent): access after reuse")
                let next = auth.refresh(grant(secondRefresh), now: 5)
                #expect((try? next.get()) == nil ? revoked : !revoked, "\(spent): the newest refresh token after reuse")
                #expect(auth.counters.refreshes == (revoked ? 1 : 2) && auth.counters.spentSentAgain == 1)
                #expect(auth.counters.revocations == (revoked ? 1 : 0))
            }
        }
        #expect(SimAuth(seed: 1).spentRefresh == .revokesAll && SimAuth(seed: 1).oldAccess == .revoked)
    }

    @Test("form bodies use PHP bracket syntax, + means space, and the body wins over the query")
    func formBodies() async throws {
        try await withPortal { portal in
            let created = try await portal.form(
                "crm.lead.add", body: "fields%5BTITLE%5D=Plus+means+space+%2B+literal&fields%5BNAME%5D=A%26B")
            let id = try #require(created.body["result"].flatMap { if case .int(let v) = $0 { v } else { nil } })
            let lead = try await portal.call("crm.lead.get", ["id": .int(id)])
            #expect(lead.body["result"]?["TITLE"] == "Plus means space + literal")
            #expect(lead.body["result"]?["NAME"] == "A&B")

            let merged = try await portal.form(
                "crm.lead.list", query: "start=0&select%5B%5D=ID&filter%5BID%5D=1", body: "filter%5BID%5D=\(id)")
            #expect(merged.body.ids == [id])
        }
    }

    @Test("a malformed JSON body is refused with 400, not guessed at")
    func malformedJSON() async throws {
        try await withPortal { portal in
            let answer = try await portal.raw(
                portal.webhook + "crm.lead.list", method: "POST", body: Array(#"{"start":"#.utf8),
                contentType: "application/json")
            #expect(answer.status == 400)
            #expect(try JSON.parse(answer.body)["error"] == "INVALID_REQUEST")
        }
    }

    @Test("unknown methods are 404 ERROR_METHOD_NOT_FOUND; not-found leads are the legacy 400")
    func errors() async throws {
        try await withPortal { portal in
            let unknown = try await portal.call("crm.lead.nonsense")
            #expect(unknown.status == 404)
            #expect(unknown.body["error"] == "ERROR_METHOD_NOT_FOUND")
            let missing = try await portal.call("crm.lead.get", ["id": 99_999_999])
            #expect(missing.status == 400)
            #expect(missing.body["error"] == "")
            #expect(missing.body["error_description"] == "Not found")
            let invalid = try await portal.call("crm.lead.get", ["id": "abc"])
            #expect(invalid.body["error_description"] == "ID is not defined or invalid.")
        }
    }
}
