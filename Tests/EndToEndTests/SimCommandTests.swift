import B24Core
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("b24pg sim and b24pg migrate as a user runs them")
struct SimCommandTests {
    static func fetch(_ url: String, json: String? = nil) async throws -> (Int, JSON) {
        var request = URLRequest(url: try #require(URL(string: url)))
        if let json {
            request.httpMethod = "POST"
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, try JSON.parse(Array(data)))
    }

    @Test("b24pg sim prints a webhook URL that serves the generated portal; stats count the requests")
    func simServes() async throws {
        let sim = try B24pgProcess.Simulator(["--leads", "240", "--seed", "9", "--rate", "0", "--time-zone=-04:00"])
        defer { sim.stop() }
        let (status, body) = try await Self.fetch(
            sim.webhook + "crm.lead.list.json", json: #"{"order":{"ID":"ASC"},"start":0,"select":["ID","DATE_CREATE"]}"#
        )
        #expect(status == 200)
        #expect(body["total"] == .int(240))
        #expect(body["result"]?.elements?.count == 50)
        #expect(body["result"]?[0]?["DATE_CREATE"]?.stringValue?.hasSuffix("-04:00") == true)
        let (_, stats) = try await Self.fetch(sim.baseURL + "/_sim/stats")
        #expect(stats["methods"]?["crm.lead.list"] == .int(1))
        #expect(stats["http_requests"] == .int(1))
    }

    @Test("--time-zone takes -04:00 as users type it, and IANA names whose dates follow the season")
    func simTimeZones() async throws {
        let western = try B24pgProcess.Simulator(["--leads", "60", "--rate", "0", "--time-zone", "-04:00"])
        let (_, body) = try await Self.fetch(
            western.webhook + "crm.lead.list.json",
            json: #"{"order":{"ID":"ASC"},"start":-1,"select":["ID","DATE_CREATE"]}"#)
        #expect(body["result"]?[0]?["DATE_CREATE"]?.stringValue?.hasSuffix("-04:00") == true)
        western.stop()
        let berlin = try B24pgProcess.Simulator(["--leads", "400", "--rate", "0", "--time-zone", "Europe/Berlin"])
        defer { berlin.stop() }
        var offsets: Set<String> = []
        var after: Int64 = 0
        for _ in 0..<8 {
            let (_, page) = try await Self.fetch(
                berlin.webhook + "crm.lead.list.json",
                json: #"{"order":{"ID":"ASC"},"start":-1,"select":["ID","DATE_CREATE"],"filter":{">ID":\#(after)}}"#)
            let rows = page["result"]?.elements ?? []
            for row in rows { offsets.insert(String(row["DATE_CREATE"]?.stringValue?.suffix(6) ?? "")) }
            guard let last = rows.last?["ID"]?.stringValue.flatMap({ Int64($0) }) else { break }
            after = last
        }
        #expect(offsets == ["+01:00", "+02:00"], "winter and summer dates carry their own offsets")
        let bad = try await B24pgProcess.run(["sim", "--time-zone", "Mars/Olympus"])
        #expect(bad.code == 2)
    }

    @Test("the same seed serves the same leads from two processes")
    func simDeterministic() async throws {
        var answers: [JSON] = []
        for _ in 0..<2 {
            let sim = try B24pgProcess.Simulator([
                "--leads", "120", "--seed", "77", "--rate", "0", "--anchor", "2025-06-30",
            ])
            let (_, body) = try await Self.fetch(
                sim.webhook + "crm.lead.list.json", json: #"{"order":{"ID":"ASC"},"start":-1,"select":["*","UF_*"]}"#)
            answers.append(body["result"] ?? .null)
            sim.stop()
        }
        #expect(answers[0] == answers[1])
        #expect(answers[0].elements?.count == 50)
    }

    @Test("b24pg sim refuses a non-loopback address with exit code 2")
    func simLoopbackOnly() async throws {
        let result = try await B24pgProcess.run(["sim", "--host", "0.0.0.0"])
        #expect(result.code == 2)
        #expect(result.err.contains("loopback"))
    }
}
