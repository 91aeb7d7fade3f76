import B24Core
import PortalSim
import Testing

@Suite("Simulator batch: 50 commands, $result references, halt, PHP shapes")
struct BatchTests {
    /// `crm.lead.list` keyset commands, each continuing after the previous page's 50th row.
    static func chain(_ count: Int) -> JSON {
        var commands = JSONObject()
        for index in 0..<count {
            let after = index == 0 ? "0" : "$result[c\(index - 1)][49][ID]"
            commands["c\(index)"] = .string("crm.lead.list?order[ID]=ASC&filter[>ID]=\(after)&select[]=ID&start=-1")
        }
        return ["halt": 0, "cmd": .object(commands)]
    }

    @Test("one request chains 50 pages of crm.lead.list: 2,500 leads in id order")
    func fiftyPageChain() async throws {
        try await withPortal(leads: 3000) { portal in
            let before = portal.portal.statistics.httpRequests
            let answer = try await portal.call("batch", Self.chain(50))
            #expect(answer.status == 200)
            let results = try #require(answer.body["result"]?["result"]?.objectValue)
            let ids = (0..<50).flatMap { index in
                (results["c\(index)"]?.elements ?? []).compactMap { $0["ID"]?.stringValue.flatMap { Int64($0) } }
            }
            #expect(ids == Array(portal.leadIDs.prefix(2500)))
            #expect(answer.body["result"]?["result_error"] == .array([]))
            #expect(answer.body["result"]?["result_next"] == .array([]))
            #expect(answer.body["result"]?["result_time"]?["c49"]?["date_start"] != nil)
            let stats = portal.portal.statistics
            #expect(stats.httpRequests - before == 1)
            #expect(stats.batchCommands == 50)
            #expect(stats.methods["crm.lead.list"] == 50)
        }
    }

    @Test("a short page turns the next reference into garbage and the chain restarts from the beginning")
    func shortPageTrap() async throws {
        try await withPortal(leads: 70) { portal in
            let answer = try await portal.call("batch", Self.chain(3))
            let results = try #require(answer.body["result"]?["result"])
            let first = results["c0"]?.elements?.count
            let second = results["c1"]?.elements?.count
            #expect(first == 50)
            #expect(second == 20)
            // $result[c1][49][ID] does not exist: it resolves to the whole page (an array), which PHP
            // casts to 1, so c2 silently starts over after ID 1. A client must stop at the first short page.
            let restarted = results["c2"]?.elements?.compactMap { $0.integer("ID") }
            #expect(restarted == Array(portal.leadIDs.dropFirst().prefix(50)))
        }
    }

    @Test("errors go to result_error; halt=1 stops at the first, halt=0 runs on")
    func haltAndErrors() async throws {
        try await withPortal(leads: 60) { portal in
            let commands: JSON = [
                "a": "crm.lead.get?id=999999", "b": "crm.lead.list?select[]=ID&start=0", "c": "no.such.method",
            ]
            let running = try await portal.call("batch", ["halt": 0, "cmd": commands])
            let body = try #require(running.body["result"])
            #expect(body["result_error"]?["a"]?["error_description"] == "Not found")
            #expect(body["result_error"]?["c"]?["error"] == "ERROR_METHOD_NOT_FOUND")
            #expect(body["result"]?["b"]?.elements?.count == 50)
            #expect(body["result_total"]?["b"] == .int(60))
            #expect(body["result_next"]?["b"] == .int(50))

            let halted = try await portal.call("batch", ["halt": 1, "cmd": commands])
            #expect(halted.body["result"]?["result"] == .array([]))
            #expect(halted.body["result"]?["result_error"]?.objectValue?.keys == ["a"])
            // PHP (bool) "false" is true.
            let phpHalt = try await portal.call("batch", ["halt": "false", "cmd": commands])
            #expect(phpHalt.body["result"]?["result_error"]?.objectValue?.keys == ["a"])
        }
    }

    @Test("commands given as a list come back as lists; more than 50 are refused one by one")
    func listsAndLimit() async throws {
        try await withPortal(leads: 60) { portal in
            let commands = JSON.array((0..<52).map { _ in "crm.lead.fields" })
            let answer = try await portal.call("batch", ["cmd": commands])
            let body = try #require(answer.body["result"])
            #expect(body["result"]?.arrayValue?.count == 50)
            #expect(body["result_error"]?["50"]?["error"] == "ERROR_BATCH_LENGTH_EXCEEDED")
            #expect(body["result_error"]?["51"]?["error"] == "ERROR_BATCH_LENGTH_EXCEEDED")

            let nested = try await portal.call("batch", ["cmd": ["x": "batch?cmd[a]=crm.lead.fields"]])
            #expect(nested.body["result"]?["result_error"]?["x"]?["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED")
        }
    }

    @Test("inside commands, + & = [ ] must be percent-encoded or the filter is mangled")
    func commandEscaping() async throws {
        try await withPortal(leads: 40) { portal in
            let created = try await portal.call("crm.lead.add", ["fields": ["TITLE": "R&D + Co = [x]"]])
            let id = try #require(created.body.integer("result"))
            let encoded = PercentEncoding.encode("R&D + Co = [x]")
            let good = try await portal.call(
                "batch", ["cmd": ["q": .string("crm.lead.list?filter%5B%3DTITLE%5D=\(encoded)&select[]=ID&start=0")]])
            #expect(good.body["result"]?["result"]?["q"]?.elements?.compactMap { $0.integer("ID") } == [id])
            let raw = try await portal.call(
                "batch", ["cmd": ["q": "crm.lead.list?filter[=TITLE]=R&D + Co = [x]&select[]=ID&start=0"]])
            #expect(raw.body["result"]?["result"]?["q"]?.elements?.compactMap { $0.integer("ID") } != [id])
        }
    }
}
