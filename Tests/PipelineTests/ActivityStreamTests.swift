import B24Core
import Foundation
import LibPQ
import Load
import Pipeline
import PortalSim
import PostgresTestSupport
import Testing

@Suite("Activities on the leads' timelines, against the simulator's own activities")
struct ActivityStreamTests {
    /// Every live (activity, lead) pair of the star as `activity|lead|completed|deadline-or-none`.
    static func starPairs(_ connection: Connection) throws -> Set<String> {
        Set(
            try connection.execute(
                """
                SELECT activity_id || '|' || lead_id || '|' || completed || '|'
                       || coalesce(extract(epoch FROM deadline_at)::bigint::text, 'none')
                FROM dw.fact_lead_activity WHERE NOT is_deleted
                """
            ).rows.compactMap { $0[0] })
    }

    /// The same lines for the simulator's activities: one per lead binding.
    static func simPairs(_ data: PortalDataset) -> Set<String> {
        Set(
            data.activityIDs.flatMap { id -> [String] in
                guard let item = data.activities[id] else { return [] }
                return Set(item.bindings.filter { $0.ownerTypeID == 1 }.map(\.ownerID)).map { lead in
                    "\(id)|\(lead)|\(item.completed)|\(item.deadline.map(String.init) ?? "none")"
                }
            })
    }

    /// Whether a simulator activity is a real touch (the definition the views document).
    static func isTouch(_ item: SimActivity) -> Bool {
        (item.direction == 2 && [2, 4].contains(item.typeID)) || item.typeID == 1 || item.providerTypeID == "MEETING"
            || (item.completed && (item.typeID == 3 || ["TODO", "TASK"].contains(item.providerTypeID)))
    }

    /// Each live lead's activities in the simulator.
    static func activitiesByLead(_ data: PortalDataset) -> [Int64: [SimActivity]] {
        var byLead: [Int64: [SimActivity]] = [:]
        for id in data.activityIDs {
            guard let item = data.activities[id] else { continue }
            for lead in Set(item.bindings.filter { $0.ownerTypeID == 1 }.map(\.ownerID)) {
                byLead[lead, default: []].append(item)
            }
        }
        return byLead
    }

    /// An activity that is the first touch of the one lead it is bound to.
    static func soleFirstTouch(_ data: PortalDataset) -> SimActivity? {
        let byLead = activitiesByLead(data)
        for id in data.leadIDs {
            guard let lead = data.leads[id] else { continue }
            let touches = (byLead[id] ?? []).filter { isTouch($0) && ($0.startTime ?? $0.created) >= lead.dateCreate }
            guard
                let first = touches.min(by: {
                    ($0.startTime ?? $0.created, $0.id) < ($1.startTime ?? $1.created, $1.id)
                })
            else { continue }
            if first.bindings.filter({ $0.ownerTypeID == 1 }).count == 1 { return first }
        }
        return nil
    }

    /// A lead never touched and a touch (other than `besides`) dated after its creation.
    static func touchForUntouchedLead(
        _ data: PortalDataset, _ speed: [Int64: String], besides: Int64
    ) -> (
        Int64, SimActivity
    )? {
        let activities = data.activityIDs.compactMap { data.activities[$0] }
        for id in data.leadIDs where speed[id] == "false|-" {
            guard let created = data.leads[id]?.dateCreate else { continue }
            if let touch = activities.first(where: {
                $0.id != besides && isTouch($0) && ($0.startTime ?? $0.created) >= created
            }) {
                return (id, touch)
            }
        }
        return nil
    }

    /// Each live lead's `touched|minutes` as `mart.speed_to_lead` should show it: the first real
    /// touch at or after creation, computed from the simulator's activities.
    static func expectedSpeedToLead(_ data: PortalDataset) -> [Int64: String] {
        let byLead = activitiesByLead(data)
        var expected: [Int64: String] = [:]
        for lead in data.leadIDs.compactMap({ data.leads[$0] }) {
            let first = (byLead[lead.id] ?? []).filter {
                isTouch($0) && ($0.startTime ?? $0.created) >= lead.dateCreate
            }
            .map { $0.startTime ?? $0.created }.min()
            // Tenths of a minute, half away from zero as numeric rounds.
            expected[lead.id] =
                first.map { "true|" + String(format: "%.1f", (Double($0 - lead.dateCreate) / 6).rounded() / 10) }
                ?? "false|-"
        }
        return expected
    }

    /// Checks `mart.speed_to_lead` lead by lead, and that the maintained first touches equal a
    /// fresh computation over the star's activities.
    static func expectSpeedToLead(
        _ connection: Connection, equals expected: [Int64: String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        var shown: [Int64: String] = [:]
        for row in try connection.execute(
            "SELECT lead_id, touched || '|' || coalesce(minutes_to_first_touch::text, '-') FROM mart.speed_to_lead"
        ).rows {
            if let id = row[0].flatMap({ Int64($0) }) { shown[id] = row[1] ?? "" }
        }
        #expect(shown.count == expected.count, sourceLocation: sourceLocation)
        for (lead, value) in expected where shown[lead] != value {
            Issue.record(
                "lead \(lead): \(shown[lead] ?? "missing") instead of \(value)", sourceLocation: sourceLocation)
        }
        let stale = try connection.execute(
            """
            WITH fresh AS (
                SELECT DISTINCT ON (a.lead_id) a.portal_id, a.lead_id, a.activity_id, coalesce(a.start_at, a.created_at) AS at
                FROM dw.fact_lead_activity a JOIN dw.fact_lead f ON f.portal_id = a.portal_id AND f.lead_id = a.lead_id
                WHERE NOT a.is_deleted AND etl.is_touch(a.type_id, a.provider_type_id, a.direction, a.completed)
                  AND coalesce(a.start_at, a.created_at) >= f.created_at
                ORDER BY a.lead_id, coalesce(a.start_at, a.created_at), a.activity_id)
            SELECT count(*) FROM ((SELECT * FROM fresh EXCEPT SELECT * FROM dw.lead_first_touch)
                                  UNION ALL (SELECT * FROM dw.lead_first_touch EXCEPT SELECT * FROM fresh)) d
            """
        ).scalar
        #expect(stale == "0", "dw.lead_first_touch differs from its activities", sourceLocation: sourceLocation)
    }

    /// Checks `mart.lead_touches`, `mart.touches_per_conversion`, `mart.speed_to_lead_daily` and
    /// `mart.overdue_activities` against figures computed from the simulator's activities.
    static func expectTouchViews(_ connection: Connection, _ data: PortalDataset, touchedLeads: Int) throws {
        let byLead = activitiesByLead(data)
        let leads = data.leadIDs.compactMap { data.leads[$0] }
        let activities = data.activityIDs.compactMap { data.activities[$0] }
        // mart.lead_touches: real touches up to conversion (first success in history, else the close).
        var converted: [Int64: Int64] = [:]
        for record in data.history where data.stage(record.statusID)?.semantics == "S" {
            converted[record.ownerID] = min(converted[record.ownerID] ?? .max, record.createdTime)
        }
        var touches: [Int64: String] = [:]
        for row in try connection.execute("SELECT lead_id, touches FROM mart.lead_touches").rows {
            if let id = row[0].flatMap({ Int64($0) }) { touches[id] = row[1] ?? "" }
        }
        for lead in leads {
            let until =
                converted[lead.id]
                ?? (data.stage(lead.statusID)?.semantics == "S" ? lead.dateClosed : nil) ?? .max
            let count = (byLead[lead.id] ?? []).filter { isTouch($0) && ($0.startTime ?? $0.created) <= until }
                .count
            #expect(touches[lead.id] == String(count), "touches of lead \(lead.id)")
        }

        // mart.touches_per_conversion and mart.speed_to_lead_daily: their totals over the portal.
        let convertedNow = leads.filter { data.stage($0.statusID)?.semantics == "S" }
        let perConversion = try connection.execute(
            "SELECT sum(converted_leads), sum(touches_before_conversion) FROM mart.touches_per_conversion"
        ).rows.first
        #expect(perConversion?[0] == String(convertedNow.count))
        #expect(perConversion?[1] == String(convertedNow.reduce(0) { $0 + (Int(touches[$1.id] ?? "") ?? 0) }))
        let daily = try connection.execute(
            "SELECT sum(leads), sum(touched), sum(round(share_never_touched * leads)) FROM mart.speed_to_lead_daily"
        ).rows.first
        #expect(daily?[0] == String(leads.count) && daily?[1] == String(touchedLeads))
        #expect(daily?[2].flatMap { Double($0) }.map(Int.init) == leads.count - touchedLeads)

        // mart.overdue_activities: open activities with a deadline, every one past (the database's now).
        let overdue = Set(
            try connection.execute("SELECT activity_id || '|' || lead_id FROM mart.overdue_activities").rows
                .compactMap { $0[0] })
        let expectedOverdue = Set(
            activities.filter { !$0.completed && $0.deadline != nil }.flatMap { item in
                Set(item.bindings.filter { $0.ownerTypeID == 1 }.map(\.ownerID)).map { "\(item.id)|\($0)" }
            })
        #expect(!expectedOverdue.isEmpty)
        #expect(overdue == expectedOverdue)
    }

    @Test(
        "every activity bound to a lead is in the star once per lead; mart.speed_to_lead, mart.lead_touches and mart.overdue_activities equal figures computed from the simulator's activities"
    )
    func activitiesAndTheirViews() async throws {
        let harness = try SyncHarness(leads: 600, seed: 71)
        try await withMigratedDatabase { connection, _ in
            let summary = try await harness.sync(connection)
            let data = harness.portal.snapshot
            let activities = data.activityIDs.compactMap { data.activities[$0] }
            #expect(activities.contains { $0.bindings.filter { $0.ownerTypeID == 1 }.count == 2 }, "bound to two leads")
            #expect(activities.contains { $0.bindings.first?.ownerTypeID == 3 }, "owned by a contact")
            #expect(activities.contains { $0.deadline == nil }, "without a deadline")
            #expect(try Self.starPairs(connection) == Self.simPairs(data))
            #expect(summary.activities == activities.count)
            #expect(
                (harness.portal.statistics.methods["crm.activity.binding.list"] ?? 0) >= activities.count,
                "bindings were asked: the list does not return them")
            let leads = data.leadIDs.compactMap { data.leads[$0] }

            // mart.speed_to_lead: the first real touch at or after creation, in minutes.
            let expectedSpeed = Self.expectedSpeedToLead(data)
            try Self.expectSpeedToLead(connection, equals: expectedSpeed)
            let touchedLeads = expectedSpeed.values.filter { $0.hasPrefix("true") }.count
            #expect(touchedLeads > leads.count / 2 && touchedLeads < leads.count, "some leads never touched")

            try Self.expectTouchViews(connection, data, touchedLeads: touchedLeads)
        }
    }

    @Test(
        "an incremental run after activities are added, completed and deleted equals the portal; a rebinding is found by the audit"
    )
    func incrementalActivities() async throws {
        let harness = try SyncHarness(leads: 300, seed: 72)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let data = harness.portal.snapshot
            let all = data.activityIDs.compactMap { data.activities[$0] }
            let open = all.filter { !$0.completed && $0.bindings.first?.ownerTypeID == 1 && !Self.isTouch($0) }
            try #require(open.count >= 2)
            let speed = Self.expectedSpeedToLead(data)
            // A lead's first touch, bound to that lead alone: deleting it moves the lead's speed.
            let firstTouch = try #require(Self.soleFirstTouch(data))
            // A touch bound afterwards to a lead nobody touched: the audit makes that lead touched.
            let (untouched, rebound) = try #require(Self.touchForUntouchedLead(data, speed, besides: firstTouch.id))
            let lead = try #require(data.leadIDs.first { $0 != untouched }, "a new call goes to another lead")
            harness.write("crm.activity.update", ["id": .int(open[0].id), "fields": ["COMPLETED": "Y"]])
            harness.write("crm.activity.delete", ["id": .int(open[1].id)])
            harness.write("crm.activity.delete", ["id": .int(firstTouch.id)])
            harness.write(
                "crm.activity.add",
                [
                    "fields": [
                        "OWNER_TYPE_ID": 1, "OWNER_ID": .int(lead), "TYPE_ID": 2, "DIRECTION": 2, "SUBJECT": "Call",
                    ]
                ])
            harness.write(
                "crm.activity.binding.add",
                ["activityId": .int(rebound.id), "entityTypeId": 1, "entityId": .int(untouched)])
            harness.clock.advance(by: 600)
            let second = try await harness.sync(connection)
            #expect(second.activitiesDeleted == 2)
            #expect(second.activities >= 2 && second.activities < data.activityIDs.count / 2, "only what changed")
            let after = harness.portal.snapshot
            var expected = Self.simPairs(after)
            expected.remove(
                "\(rebound.id)|\(untouched)|\(rebound.completed)|\(rebound.deadline.map(String.init) ?? "none")")
            #expect(try Self.starPairs(connection) == expected, "the rebinding waits for an audit")
            var speedAfter = Self.expectedSpeedToLead(after)
            #expect(speedAfter[untouched] != "false|-" && speedAfter[untouched] != nil)
            let ownerOfFirst = try #require(firstTouch.bindings.first { $0.ownerTypeID == 1 }?.ownerID)
            #expect(speedAfter[ownerOfFirst] != speed[ownerOfFirst], "the deleted first touch moved its lead")
            speedAfter[untouched] = "false|-"
            try Self.expectSpeedToLead(connection, equals: speedAfter)
            let audit = try await harness.sync(connection, options: SyncOptions(auditChildren: true))
            #expect(audit.activitiesRepaired == 1)
            #expect(try Self.starPairs(connection) == Self.simPairs(after))
            try Self.expectSpeedToLead(connection, equals: Self.expectedSpeedToLead(after))
        }
    }

    @Test("whether the list repeats an activity per binding or returns its BINDINGS, the star is the same")
    func listBehaviours() async throws {
        let harsh = try SyncHarness(leads: 250, seed: 73)
        let kind = try SyncHarness(leads: 250, seed: 73)
        kind.portal.childBehaviour = ChildBehaviour(activityBindingRepeats: false, activityBindingsSelectable: true)
        let harshPairs = try await withMigratedDatabase { connection, _ in
            _ = try await harsh.sync(connection)
            return try Self.starPairs(connection)
        }
        let kindPairs = try await withMigratedDatabase { connection, _ in
            _ = try await kind.sync(connection)
            return try Self.starPairs(connection)
        }
        #expect(harshPairs == Self.simPairs(harsh.portal.snapshot))
        #expect(kindPairs == harshPairs)
        #expect((kind.portal.statistics.methods["crm.activity.binding.list"] ?? 0) == 0, "BINDINGS came with the list")
    }

    @Test(
        "a run that fails in the activity stream resumes after its last committed chunk; the rerun equals a clean run")
    func activityCrashAndResume() async throws {
        let harness = try SyncHarness(leads: 900, seed: 74)
        let options = SyncOptions(leadsPerChunk: 100)
        try await withMigratedDatabase { clean, _ in
            _ = try await harness.sync(clean, options: options)
            let middle = try #require(
                try clean.execute(
                    "SELECT activity_id FROM dw.fact_lead_activity ORDER BY activity_id OFFSET 400 LIMIT 1"
                ).scalar)
            try await withMigratedDatabase { broken, _ in
                try broken.executeScript(
                    """
                    CREATE FUNCTION public.stop_activities() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF NEW.activity_id > \(middle) THEN RAISE EXCEPTION 'killed during the activity stream'; END IF;
                        RETURN NEW;
                    END $$;
                    CREATE TRIGGER stop_activities BEFORE INSERT ON dw.fact_lead_activity FOR EACH ROW
                        EXECUTE FUNCTION public.stop_activities();
                    """)
                await #expect(throws: (any Error).self) { try await harness.sync(broken, options: options) }
                let state = try broken.execute(
                    "SELECT watermark_id, pass_started_at IS NOT NULL FROM etl.sync_state WHERE stream = 'activities'"
                ).rows
                #expect(state.first?[1] == "t", "the activity pass is marked unfinished")
                #expect((state.first?[0].flatMap { Int64($0) } ?? 0) > 0, "chunks before the failure committed")
                try broken.executeScript(
                    "DROP TRIGGER stop_activities ON dw.fact_lead_activity; DROP FUNCTION public.stop_activities();")
                _ = try await harness.sync(broken, options: options)
                #expect(try StarFingerprint.take(broken) == (try StarFingerprint.take(clean)))
            }
        }
    }
}
