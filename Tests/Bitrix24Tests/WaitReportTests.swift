import Bitrix24
import Synchronization
import Testing

@Suite("What a waiting client says")
struct WaitReportTests {
    @Test("a method held for its operating time is reported before the wait: method, budget used, when it resumes")
    func operatingWaitReported() async throws {
        let clock = VirtualClientClock(unixStart: 1_767_225_600)
        let limiter = RateLimiter(rate: 0, operatingBudget: 480, clock: clock)
        let heard = Mutex<[LimiterWait]>([])
        await limiter.observeWaits { wait in heard.withLock { $0.append(wait) } }
        await limiter.noteOperating(method: "crm.lead.productrows.get", used: 433, resetAt: 1_767_225_600 + 300)
        try await limiter.acquire(methods: ["crm.lead.list"])
        #expect(heard.withLock { $0.isEmpty })
        try await limiter.acquire(methods: ["crm.lead.productrows.get"])
        let waits = heard.withLock { $0 }
        #expect(waits.count == 1)
        #expect(waits.first?.method == "crm.lead.productrows.get")
        #expect(waits.first?.used == 433)
        #expect(waits.first?.budget == 480)
        #expect(abs((waits.first?.resumesAt ?? 0) - (1_767_225_600 + 300.5)) < 1)
        #expect(clock.now() >= 300)
    }
}
