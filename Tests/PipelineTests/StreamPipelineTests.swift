import Foundation
import Load
import Logging
import Synchronization
import Testing

@testable import Pipeline

@Suite("Read ⇄ load: the channel between a stream's reader and its loader")
struct StreamPipelineTests {
    struct Stop: Error, Equatable {}

    @Test("every batch is loaded once, in order; the reader runs at most one batch ahead of the loader")
    func orderAndBackPressure() async throws {
        let events = Mutex<[String]>([])
        let totals = try await StreamPipeline.run(
            produce: { send in
                for index in 1...6 {
                    events.withLock { $0.append("read \(index)") }
                    try await send(index)
                }
            },
            load: { (index: Int) in
                events.withLock { $0.append("load \(index)") }
                try await Task.sleep(for: .milliseconds(5))
                return StreamCounts(leads: index)
            },
            progress: { _ in })
        #expect(totals.leads == 21)
        let log = events.withLock { $0 }
        let loads = log.filter { $0.hasPrefix("load") }
        #expect(loads == (1...6).map { "load \($0)" })
        for index in 3...6 {
            // Batch n is read only after batch n-2 was taken by the loader.
            let read = try #require(log.firstIndex(of: "read \(index)"))
            let loaded = try #require(log.firstIndex(of: "load \(index - 2)"))
            #expect(loaded < read, "\(log)")
        }
    }

    @Test("a loader that fails stops the reader: nothing more is read, the error comes back")
    func loaderFailureStopsReader() async throws {
        let read = Mutex(0)
        await #expect(throws: Stop.self) {
            _ = try await StreamPipeline.run(
                produce: { send in
                    for index in 1...1_000 {
                        read.withLock { $0 += 1 }
                        try await send(index)
                    }
                },
                load: { (index: Int) in
                    if index == 3 { throw Stop() }
                    return StreamCounts()
                },
                progress: { _ in })
        }
        #expect(read.withLock { $0 } <= 5, "the reader went on after the loader failed")
    }

    @Test("a reader that fails ends the loader after what was sent; the error comes back")
    func readerFailureEndsLoader() async throws {
        let loaded = Mutex<[Int]>([])
        await #expect(throws: Stop.self) {
            _ = try await StreamPipeline.run(
                produce: { send in
                    try await send(1)
                    try await send(2)
                    throw Stop()
                },
                load: { (index: Int) in
                    loaded.withLock { $0.append(index) }
                    return StreamCounts()
                },
                progress: { _ in })
        }
        // Each send returns once the loader took the batch, so both were taken before the failure.
        #expect(loaded.withLock { $0 } == [1, 2])
    }
}

@Suite("Run log lines")
struct LineLogHandlerTests {
    @Test("JSON lines parse back with every field; logfmt quotes what needs quoting")
    func lines() throws {
        let fields = [("reason", "lead 7: TITLE \"a\tb\"\n\\ ✓"), ("leads", "2500")]
        let json = LineLogHandler.line(event: "record_skipped", level: .warning, fields: fields, format: .json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["event"] as? String == "record_skipped")
        #expect(object["level"] as? String == "warning")
        #expect(object["reason"] as? String == "lead 7: TITLE \"a\tb\"\n\\ ✓")
        #expect(object["leads"] as? Int == 2500)
        #expect(!json.contains("\n"))
        let logfmt = LineLogHandler.line(event: "record_skipped", level: .warning, fields: fields, format: .logfmt)
        #expect(logfmt.contains(#"reason="lead 7: TITLE \"a"#))
        #expect(logfmt.contains("leads=2500"))
        #expect(!logfmt.contains("\n"))
    }

    @Test("events reach the sink as lines; a terminal's progress line is ended before the next event")
    func sinkAndProgress() {
        let written = Mutex("")
        let sink = LineSink(write: { text in written.withLock { $0 += text } })
        let log = RunLog(
            logger: Logger(label: "test") { _ in LineLogHandler(format: .logfmt, sink: sink) }, terminal: sink)
        log.progress("leads", done: 2_500, unit: "leads")
        log.event("run_finished", ["run": "4"])
        let text = written.withLock { $0 }
        #expect(text.hasPrefix("\rleads          2500 leads\n"))
        #expect(text.contains("event=run_finished run=4\n"))
    }
}

@Suite("The mass-delete guard")
struct DeleteGuardTests {
    @Test("refuses more than the share once at least 50 would go; --allow-mass-delete accepts; the message says why")
    func guardRule() {
        let standard = DeleteGuard()
        #expect(standard.allows(DeletePlan(missing: 49, live: 60)), "fewer than 50 are never refused")
        #expect(standard.allows(DeletePlan(missing: 60, live: 2_000)), "3 % passes")
        #expect(standard.allows(DeletePlan(missing: 100, live: 2_000)), "exactly 5 % passes")
        #expect(!standard.allows(DeletePlan(missing: 101, live: 2_000)))
        #expect(!standard.allows(DeletePlan(missing: 776, live: 1_940)))
        #expect(DeleteGuard(allowMassDelete: true).allows(DeletePlan(missing: 1_940, live: 1_940)))
        #expect(DeleteGuard(maxShare: 0.5).allows(DeletePlan(missing: 776, live: 1_940)))
        let message = standard.refusal(DeletePlan(missing: 776, live: 1_940))
        #expect(message.contains("would mark 776 of 1940 live leads deleted (40.0 %, more than the 5.0 % allowed)"))
        #expect(message.contains("check its rights") && message.contains("--allow-mass-delete"))
    }
}
