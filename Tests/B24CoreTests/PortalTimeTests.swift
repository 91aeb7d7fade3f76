import Testing

@testable import B24Core

@Suite("Portal dates: the fixed-layout reader agrees with the general one")
struct PortalTimeTests {
    let moscow = PortalTime(offsetSeconds: 10_800)

    @Test("the layouts portals write read as the right instant")
    func knownInstants() {
        // 2024-05-23T15:18:25Z is 1716477505.
        #expect(moscow.parse("2024-05-23T18:18:25+03:00") == 1_716_477_505)
        #expect(moscow.parse("2024-05-23T15:18:25Z") == 1_716_477_505)
        #expect(moscow.parse("2024-05-23T10:48:25-04:30") == 1_716_477_505)
        #expect(moscow.parse("2024-05-23 18:18:25") == 1_716_477_505, "no offset: the portal's own zone")
        #expect(moscow.parse("2024-05-23T18:18:25") == 1_716_477_505)
        #expect(moscow.parse(" 2024-05-23T18:18:25+03:00 ") == 1_716_477_505, "spaces go to the general reader")
        #expect(moscow.parse("2024-05-23") == 1_716_411_600)
        #expect(moscow.parse("2024-13-23T18:18:25+03:00") == nil)
        #expect(moscow.parse("2024-05-23T24:00:00+03:00") == nil)
        #expect(moscow.parse("2024-05-23T18:18:25+15:00") == nil)
        #expect(moscow.parse("0000-00-00T00:00:00+00:00") == nil)
        #expect(PortalTime.parseCanonical("2024-05-23T18:18:25.5+03:00") == nil, "fractions: general reader")
    }

    @Test("every text in (or near) the fixed layout reads the same through both readers")
    func fastPathMatchesGeneralReader() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let alphabet = Array("0123456789-T :+Z.x".utf8)
        var canonical = 0
        for _ in 0..<50_000 {
            let year = String(next(2) == 0 ? 1970 + next(80) : next(10_000))
            func two(_ bound: Int) -> String {
                let value = next(bound)
                return value < 10 ? "0\(value)" : String(value)
            }
            var text =
                "\(String(repeating: "0", count: max(0, 4 - year.count)))\(year)-\(two(14))-\(two(33))"
                + "\(next(2) == 0 ? "T" : " ")\(two(26)):\(two(61)):\(two(62))"
            switch next(4) {
            case 0: break
            case 1: text += "Z"
            default: text += "\(next(2) == 0 ? "+" : "-")\(two(16)):\(two(61))"
            }
            var bytes = Array(text.utf8)
            if next(3) == 0 {
                bytes[next(bytes.count)] = alphabet[next(alphabet.count)]
            }
            let mutated = String(decoding: bytes, as: UTF8.self)
            if PortalTime.parseCanonical(mutated) != nil { canonical += 1 }
            #expect(moscow.parse(mutated) == moscow.parseGeneral(mutated), "\(mutated)")
        }
        #expect(canonical > 20_000, "the fixed-layout reader took most of the texts")
    }
}

@Suite("Portal dates in a zone with daylight saving")
struct DaylightSavingTests {
    let berlin = PortalTime(zone: "Europe/Berlin")

    @Test("each date carries the offset in force at its instant; its date key is that local day")
    func offsetsFollowTheSeason() throws {
        let berlin = try #require(berlin)
        // 2025-07-14T22:30:00Z is 00:30 on 15 July in Berlin (+02:00), 23:30 on the 14th at +01:00.
        let summerNight: Int64 = 1_752_532_200
        #expect(berlin.format(summerNight) == "2025-07-15T00:30:00+02:00")
        #expect(berlin.dateKey(summerNight) == 20_250_715)
        #expect(PortalTime(offsetSeconds: 3_600).dateKey(summerNight) == 20_250_714, "one winter offset: the wrong day")
        // 2026-01-14T23:30:00Z is 00:30 on 15 January (+01:00).
        #expect(berlin.format(1_768_433_400) == "2026-01-15T00:30:00+01:00")
        #expect(berlin.parse("2025-07-15T00:30:00+02:00") == summerNight)
        #expect(berlin.parse("2025-07-15T00:30:00") == summerNight, "no offset: the zone's offset at that date")
        #expect(berlin.parse("2026-01-15 00:30:00") == 1_768_433_400)
        #expect(berlin.startOfDay(summerNight) == 1_752_530_400, "midnight of 15 July, +02:00")
        #expect(PortalTime(zone: "-04:00")?.offsetSeconds == -14_400)
        #expect(PortalTime(zone: "Mars/Olympus") == nil)
    }

    @Test("a written date is read once: its instant, and its own day whatever zone the run reads it in")
    func datedReads() {
        let winter = PortalTime(offsetSeconds: 3_600)
        #expect(winter.dated("2025-07-15T00:30:00+02:00")?.dateKey == 20_250_715)
        #expect(winter.dated("2025-07-15T00:30:00+02:00")?.stamp == 1_752_532_200)
        #expect(winter.dated("2025-07-15T00:30:00")?.dateKey == 20_250_715, "no offset: the day written")
        let moscow = PortalTime(offsetSeconds: 10_800)
        // 2025-07-14T22:30:00Z is 01:30 on the 15th in Moscow.
        #expect(moscow.dated("2025-07-14T22:30:00Z")?.dateKey == 20_250_715, "UTC from a +03:00 portal: its zone")
        #expect(moscow.dated("2025-07-14T16:45:00-05:45")?.dateKey == 20_250_715, "a foreign offset: its zone")
        #expect(moscow.dated("2025-07-14 23:59:59")?.dateKey == 20_250_714)
        #expect(moscow.dated(" 2025-07-15T00:30:00+03:00 ")?.dateKey == 20_250_715, "the general reader")
        #expect(winter.dated("2025-13-01") == nil)
        #expect(winter.dated("yesterday") == nil)
    }
}
