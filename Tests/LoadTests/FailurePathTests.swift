import Foundation
import LibPQ
import Load
import PostgresTestSupport
import Testing

@Suite("The loader's run bookkeeping")
struct RunBookkeepingTests {
    @Test("a run finished as failed keeps its error and counters; the portal's lock is free again")
    func failedRun() throws {
        try TestDatabase.with(migrated: true) { target in
            let loader = StarLoader(connection: try Connection(target))
            let other = try Connection(target)
            #expect(try loader.tryLockPortal(name: "a.example"))
            #expect(try !other.tryAdvisoryLock(StarLoader.portalLockKey(name: "a.example")))
            let portal = try loader.registerPortal(name: "a.example", host: "a.example", timeZone: "+03:00")
            let run = try loader.startRun(portalID: portal, mode: "incremental")
            try loader.finishRun(
                runID: run, succeeded: false, counters: RunCounters(requests: 3, retries: 1, throttled: 0),
                error: "portal down")
            try loader.unlockPortal(name: "a.example")
            #expect(try other.tryAdvisoryLock(StarLoader.portalLockKey(name: "a.example")))
            let row = try other.execute(
                "SELECT status, error, http_requests, retries FROM etl.sync_run WHERE run_id = $1", [String(run)]
            ).rows
            #expect(row == [["failed", "portal down", "3", "1"]])
        }
    }
}
