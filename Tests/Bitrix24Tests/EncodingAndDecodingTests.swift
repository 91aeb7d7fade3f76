import B24Core
import Bitrix24
import PortalSim
import Testing

@Suite("Credentials, request encoding and response decoding")
struct EncodingAndDecodingTests {
    @Test("a webhook URL splits into portal, user and a secret that never prints")
    func webhook() throws {
        let hook = try WebhookCredentials(url: "https://acme.bitrix24.com/rest/17/k3yS3cr3t/")
        #expect(hook.userID == 17)
        #expect(hook.code.value == "k3yS3cr3t")
        #expect(hook.description == "https://acme.bitrix24.com/rest/17/***/")
        #expect("\(hook.code)" == "***")
        #expect(Credentials.webhook(hook).description == "https://acme.bitrix24.com/rest/17/***/")
        let withMethod = try WebhookCredentials(url: "https://acme.bitrix24.com/rest/17/k3yS3cr3t/crm.lead.list.json")
        #expect(withMethod.code.value == "k3yS3cr3t")
    }

    @Test("plain http is refused except for loopback hosts; malformed URLs say why without the secret")
    func httpOnlyForLoopback() throws {
        let refused = #expect(throws: BitrixError.self) {
            try WebhookCredentials(url: "http://acme.bitrix24.com/rest/1/topsecret/")
        }
        #expect(refused?.code == .configuration)
        #expect(refused?.description.contains("topsecret") == false)
        #expect(refused?.description.contains("https") == true)
        _ = try WebhookCredentials(url: "http://127.0.0.1:8080/rest/1/abc/")
        _ = try WebhookCredentials(url: "http://localhost:8080/rest/1/abc/")
        _ = try WebhookCredentials(url: "http://[::1]:8080/rest/1/abc/")
        #expect(throws: BitrixError.self) { try WebhookCredentials(url: "http://127.0.0.1.evil.com/rest/1/abc/") }
        #expect(throws: BitrixError.self) { try WebhookCredentials(url: "ftp://acme/rest/1/abc/") }
        let shape = #expect(throws: BitrixError.self) {
            try WebhookCredentials(url: "https://acme.bitrix24.com/rest/abc/topsecret/")
        }
        #expect(shape?.description.contains("topsecret") == false)
        #expect(throws: BitrixError.self) { try WebhookCredentials(url: "https://user:pw@acme.bitrix24.com/rest/1/x/") }
    }

    @Test("batch commands escape + & = [ ] % $ and non-ASCII so the portal's parse_str reads them back exactly")
    func queryEncoding() {
        let parameters: JSONObject = [
            "filter": [
                ">=DATE_MODIFY": "2024-01-01T00:00:00+03:00", "=TITLE": "R&D = [x] 100% $5 Лид 🚀", "@ID": [1, 2],
            ],
            "select": ["ID", "UF_*"], "order": ["ID": "ASC"], "start": -1,
        ]
        let encoded = QueryEncoding.encode(parameters)
        #expect(encoded.contains("%2B03%3A00"))
        #expect(!encoded.contains("+"))
        #expect(!encoded.contains(" "))
        #expect(encoded.contains("filter[%3E%3DDATE_MODIFY]="))
        let decoded = PHPQueryString.parse(encoded)
        #expect(decoded["filter"]?[">=DATE_MODIFY"] == "2024-01-01T00:00:00+03:00")
        #expect(decoded["filter"]?["=TITLE"] == "R&D = [x] 100% $5 Лид 🚀")
        #expect(decoded["filter"]?["@ID"]?.elements == ["1", "2"])
        #expect(decoded["select"]?.elements == ["ID", "UF_*"])
        #expect(decoded["start"] == "-1")
        let command = BatchCommand(
            key: "c0", method: "crm.lead.list", parameters: ["filter": [">ID": "$result[p0][49][ID]"]])
        #expect(
            PHPQueryString.parse(command.encoded.split(separator: "?")[1])["filter"]?[">ID"] == "$result[p0][49][ID]")
    }

    @Test("lenient decoding: numbers, flags and every empty spelling")
    func lenient() {
        #expect(JSON.string("5").lenientInt == 5)
        #expect(JSON.int(5).lenientInt == 5)
        #expect(JSON.string("5.00").lenientInt == 5)
        #expect(JSON.double(5).lenientInt == 5)
        #expect(JSON.string("5.5").lenientInt == nil)
        #expect(JSON.string("").lenientInt == nil)
        for empty: JSON in ["", .null, false, "0", 0] { #expect(empty.lenientReference == nil, "\(empty)") }
        #expect(JSON.string("12").lenientReference == 12)
        #expect(JSON.string("1500.00").lenientDecimalText == "1500.00")
        #expect(JSON.int(1500).lenientDecimalText == "1500")
        #expect(JSON.string("1e3").lenientDecimalText == "1000")
        for bad: JSON in ["", .null, "abc", "1e400", .bool(false)] { #expect(bad.lenientDecimalText == nil, "\(bad)") }
        #expect(JSON.string("-12.5").lenientDecimalText == "-12.5")
        for yes: JSON in ["Y", "y", true, 1, "1", "true"] { #expect(yes.lenientBool == true, "\(yes)") }
        for no: JSON in ["N", false, 0, "0", "false"] { #expect(no.lenientBool == false, "\(no)") }
        for unknown: JSON in ["", .null, "maybe", 2] { #expect(unknown.lenientBool == nil, "\(unknown)") }
        #expect(JSON.string("").lenientText == nil)
        #expect(JSON.bool(false).lenientText == nil)
        #expect(JSON.string(" a ").lenientText == " a ")
    }

    @Test("error answers map to typed errors, classified retryable or fatal")
    func classification() {
        let table: [(Int, String?, BitrixError.Code, Bool)] = [
            (503, "QUERY_LIMIT_EXCEEDED", .rateLimited, true),
            (429, "OPERATION_TIME_LIMIT", .operatingLimited, true),
            (500, "INTERNAL_SERVER_ERROR", .server, true),
            (502, nil, .server, true),
            (401, "expired_token", .tokenExpired, false),
            (401, "NO_AUTH_FOUND", .authentication, false),
            (401, "invalid_token", .authentication, false),
            (403, "insufficient_scope", .accessDenied, false),
            (403, "PORTAL_DELETED", .portalDeleted, false),
            (404, "ERROR_METHOD_NOT_FOUND", .methodNotFound, false),
            (400, "", .badRequest, false),
            (400, "INVALID_ARG_VALUE", .badRequest, false),
            (503, "OVERLOAD_LIMIT", .accessDenied, false),
        ]
        for (status, code, expected, retryable) in table {
            var answer: JSONObject = ["error_description": "something"]
            if let code { answer["error"] = .string(code) }
            let body = Array(JSON.object(answer).serialized().utf8)
            guard case .failure(let error) = BitrixResponseProbe.decode(status, body) else {
                Issue.record("\(status) \(code ?? "") decoded as success")
                continue
            }
            #expect(error.code == expected, "\(status) \(code ?? "-")")
            #expect(error.isRetryable == retryable, "\(status) \(code ?? "-")")
            #expect(error.httpStatus == status)
        }
        guard
            case .failure(let notFound) = BitrixResponseProbe.decode(
                400, Array(#"{"error":"","error_description":"Not found"}"#.utf8))
        else {
            Issue.record("not found decoded as success")
            return
        }
        #expect(notFound.code == .notFound)
        guard case .failure(let html) = BitrixResponseProbe.decode(500, Array("<html>500</html>".utf8)) else { return }
        #expect(html.code == .server && html.isRetryable)
        guard case .failure(let cut) = BitrixResponseProbe.decode(200, Array(#"{"result":[{"ID":"1"#.utf8)) else {
            return
        }
        #expect(cut.code == .malformedResponse && cut.isRetryable)
        #expect(cut.message.contains("cut short"))
    }
}

/// Decodes an answer the way the client does.
enum BitrixResponseProbe {
    static func decode(_ status: Int, _ body: [UInt8]) -> Result<BitrixResponse, BitrixError> {
        BitrixResponse.decode(status: status, body: body, method: "crm.lead.fields", portal: "https://p.example")
    }
}
