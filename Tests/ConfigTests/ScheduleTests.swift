import Config
import Testing

@Suite("Schedules and back-off")
struct ScheduleTests {
    @Test("every: the next slot on the grid of the slot just run; missed slots are skipped, not caught up")
    func every() {
        let quarter = Schedule.every(seconds: 900)
        #expect(quarter.next(after: 1_000, due: 900, offsetSeconds: 0) == 1_800)
        #expect(quarter.next(after: 5_000, due: 900, offsetSeconds: 0) == 5_400, "four slots missed, one run")
        #expect(quarter.next(after: 1_800, due: 900, offsetSeconds: 0) == 2_700, "strictly after now")
        #expect(Schedule(every: "15m") == quarter && Schedule(every: "59s") == nil)
    }

    @Test("daily: the next time of day in the portal's UTC offset")
    func daily() {
        let early = Schedule.daily(minuteOfDay: 150)
        // 2026-12-02 00:00:00 UTC = 1796169600; 02:30 at +03:00 is 23:30 UTC the day before.
        let midnight: Int64 = 1_796_169_600
        #expect(early.next(after: midnight, due: 0, offsetSeconds: 0) == midnight + 9_000)
        #expect(early.next(after: midnight, due: 0, offsetSeconds: 10_800) == midnight + 86_400 - 1_800)
        #expect(early.next(after: midnight + 9_000, due: 0, offsetSeconds: 0) == midnight + 86_400 + 9_000)
        #expect(early.next(after: midnight, due: 0, offsetSeconds: -18_000) == midnight + 9_000 + 18_000)
        #expect(Schedule(daily: "2:30") == nil && Schedule(daily: "24:00") == nil)
    }

    @Test("the stored text reads back as the same schedule")
    func stored() {
        for schedule in [
            Schedule.every(seconds: 900), .every(seconds: 7_200), .every(seconds: 90), .daily(minuteOfDay: 5),
        ] {
            #expect(Schedule(stored: schedule.description) == schedule, "\(schedule)")
        }
        #expect(Schedule.daily(minuteOfDay: 150).description == "daily 02:30")
    }

    @Test("the back-off doubles from its base and stops at its maximum")
    func backoff() {
        var settings = WorkerSettings()
        settings.backoffSeconds = 60
        settings.backoffMaxSeconds = 3_600
        #expect((1...8).map { settings.backoff(afterFailures: $0) } == [60, 120, 240, 480, 960, 1_920, 3_600, 3_600])
        #expect(settings.backoff(afterFailures: 500) == 3_600)
    }
}
