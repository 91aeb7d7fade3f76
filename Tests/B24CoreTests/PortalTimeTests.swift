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
