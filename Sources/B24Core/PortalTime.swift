import Foundation

/// Dates as the portal writes and reads them: ISO 8601 with the offset in force at that instant
/// (PHP `date('c')`), to the second. A zone is a fixed UTC offset (`+03:00`) or a named zone
/// (`Europe/Berlin`) whose offset changes with daylight saving.
public struct PortalTime: Sendable, Equatable {
    /// The offset from UTC in seconds (e.g. 10800 for +03:00); for a named zone, its offset when
    /// this value was made (use `offset(at:)` for any other instant).
    public let offsetSeconds: Int
    /// The named zone, when this is one.
    public let zone: TimeZone?

    /// A portal time zone at a fixed UTC offset.
    public init(offsetSeconds: Int) {
        self.offsetSeconds = offsetSeconds
        self.zone = nil
    }

    /// Parses `+03:00`, `-05:30`, `Z` or `UTC`; `nil` for anything else.
    public init?(offset text: String) {
        guard let seconds = Self.parseOffset(Substring(text)) else { return nil }
        self.init(offsetSeconds: seconds)
    }

    /// A fixed offset (`+03:00`) or an IANA zone name (`Europe/Berlin`); `nil` for anything else.
    public init?(zone text: String) {
        if let fixed = PortalTime(offset: text) {
            self = fixed
            return
        }
        guard text.contains("/"), let zone = TimeZone(identifier: text) else { return nil }
        self.zone = zone
        self.offsetSeconds = zone.secondsFromGMT()
    }

    /// The offset in force at `unixSeconds`.
    public func offset(at unixSeconds: Int64) -> Int {
        guard let zone else { return offsetSeconds }
        return zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(unixSeconds)))
    }

    /// The offset as `+HH:MM`, or the zone's name.
    public var offsetText: String {
        zone?.identifier ?? Self.formatOffset(offsetSeconds)
    }

    /// `2024-05-23T18:18:25+03:00` for a unix time (fractions dropped), with the offset in force
    /// at that instant, as PHP `date('c')` writes it.
    public func format(_ unixSeconds: Int64) -> String {
        let offset = offset(at: unixSeconds)
        let local = unixSeconds + Int64(offset)
        let (days, secondsOfDay) = local.floorDivided(by: 86_400)
        let (year, month, day) = Self.civilDate(fromDays: days)
        let hour = secondsOfDay / 3600
        let minute = secondsOfDay % 3600 / 60
        let second = secondsOfDay % 60
        return "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))T"
            + "\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2))\(Self.formatOffset(offset))"
    }

    /// Reads a date the way the portal's filters do (PHP `strtotime` for the common forms):
    /// ISO 8601 with or without offset, with `T` or a space, or a bare date. Without an offset the
    /// portal's own zone applies. Returns `nil` when the text is not a date (the filter matches nothing).
    public func parse(_ text: String) -> Int64? {
        if let (local, written) = Self.parseCanonical(text) {
            return local - Int64(written ?? offset(ofWallTime: local))
        }
        return parseGeneral(text)
    }

    /// The offset in force at a wall-clock time of this zone (seconds since 1970 as if it were UTC).
    func offset(ofWallTime local: Int64) -> Int {
        guard zone != nil else { return offsetSeconds }
        let guess = offset(at: local - Int64(offsetSeconds))
        return offset(at: local - Int64(guess))
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS`, optionally followed by `Z` or `±HH:MM` (the layout portals write
    /// on every record), without allocating: the wall time as seconds since 1970 and the written
    /// offset. `nil` for any other layout or a value out of range (the general reader decides).
    static func parseCanonical(_ text: String) -> (local: Int64, offset: Int?)? {
        var (year, month, day, hour, minute, second, offsetHours, offsetMinutes) = (0, 0, 0, 0, 0, 0, 0, 0)
        var sign: UInt8 = 0
        var position = 0
        for byte in text.utf8 {
            let digit = Int(byte) &- 48
            let isDigit = digit >= 0 && digit <= 9
            switch position {
            case 0...3 where isDigit: year = year * 10 + digit
            case 5...6 where isDigit: month = month * 10 + digit
            case 8...9 where isDigit: day = day * 10 + digit
            case 11...12 where isDigit: hour = hour * 10 + digit
            case 14...15 where isDigit: minute = minute * 10 + digit
            case 17...18 where isDigit: second = second * 10 + digit
            case 20...21 where isDigit: offsetHours = offsetHours * 10 + digit
            case 23...24 where isDigit: offsetMinutes = offsetMinutes * 10 + digit
            case 4, 7: guard byte == UInt8(ascii: "-") else { return nil }
            case 10: guard byte == UInt8(ascii: "T") || byte == UInt8(ascii: " ") else { return nil }
            case 13, 16, 22: guard byte == UInt8(ascii: ":") else { return nil }
            case 19:
                guard byte == UInt8(ascii: "Z") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") else {
                    return nil
                }
                sign = byte
            default: return nil
            }
            position += 1
        }
        let offset: Int?
        switch (position, sign) {
        case (19, _): offset = nil
        case (20, UInt8(ascii: "Z")): offset = 0
        case (25, UInt8(ascii: "+")), (25, UInt8(ascii: "-")):
            guard offsetHours <= 14, offsetMinutes < 60 else { return nil }
            let seconds = offsetHours * 3600 + offsetMinutes * 60
            offset = sign == UInt8(ascii: "-") ? -seconds : seconds
        default: return nil
        }
        guard year >= 1, (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour),
            (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = days(fromCivilYear: year, month: month, day: day)
        return (days * 86_400 + Int64(hour * 3600 + minute * 60 + second), offset)
    }

    /// The reader for every layout `parse` accepts.
    func parseGeneral(_ text: String) -> Int64? {
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        guard body.count >= 10 else { return nil }
        var offset: Int?
        if body.hasSuffix("Z") {
            offset = 0
            body = body.dropLast()
        } else if body.count > 19, let sign = body.lastIndex(where: { $0 == "+" || $0 == "-" }),
            body.distance(from: body.startIndex, to: sign) >= 19,
            let parsed = Self.parseOffset(body[sign...])
        {
            offset = parsed
            body = body[..<sign]
        }
        let parts = body.split(whereSeparator: { $0 == "T" || $0 == " " })
        guard let datePart = parts.first, parts.count <= 2 else { return nil }
        let dateFields = datePart.split(separator: "-")
        guard dateFields.count == 3, let year = Int(dateFields[0]), let month = Int(dateFields[1]),
            let day = Int(dateFields[2]), (1...12).contains(month), (1...31).contains(day), year >= 1
        else { return nil }
        var secondsOfDay = 0
        if parts.count == 2 {
            var timePart = parts[1]
            if let dot = timePart.firstIndex(of: ".") { timePart = timePart[..<dot] }
            let timeFields = timePart.split(separator: ":")
            guard (2...3).contains(timeFields.count), let hour = Int(timeFields[0]), let minute = Int(timeFields[1]),
                (0...23).contains(hour), (0...59).contains(minute)
            else { return nil }
            let second = timeFields.count == 3 ? Int(timeFields[2]) : 0
            guard let second, (0...60).contains(second) else { return nil }
            secondsOfDay = hour * 3600 + minute * 60 + second
        }
        let days = Self.days(fromCivilYear: year, month: month, day: day)
        let local = days * 86_400 + Int64(secondsOfDay)
        return local - Int64(offset ?? self.offset(ofWallTime: local))
    }

    /// The local date of `unixSeconds` in this zone, at the offset in force then, as `yyyymmdd`
    /// (the star's date key).
    public func dateKey(_ unixSeconds: Int64) -> Int {
        let local = unixSeconds + Int64(offset(at: unixSeconds))
        let (year, month, day) = Self.civilDate(fromDays: local.floorDivided(by: 86_400).quotient)
        return Int(year * 10_000 + month * 100 + day)
    }

    /// The offset written at the end of a portal date (`…+03:00`, `…Z`), if it has one.
    public static func offset(of text: String) -> PortalTime? {
        let body = Substring(text)
        if body.hasSuffix("Z") { return PortalTime(offsetSeconds: 0) }
        guard body.count > 19, let sign = body.lastIndex(where: { $0 == "+" || $0 == "-" }),
            body.distance(from: body.startIndex, to: sign) >= 19, let seconds = parseOffset(body[sign...])
        else { return nil }
        return PortalTime(offsetSeconds: seconds)
    }

    /// The unix time of local midnight of the day containing `unixSeconds`.
    public func startOfDay(_ unixSeconds: Int64) -> Int64 {
        let local = unixSeconds + Int64(offset(at: unixSeconds))
        let midnight = local.floorDivided(by: 86_400).quotient * 86_400
        return midnight - Int64(offset(ofWallTime: midnight))
    }

    /// A portal date as an instant and the local day it is on, read once. The portal writes each
    /// date with the offset in force at that instant, so the day as written is the local day —
    /// when the written offset is within an hour of this zone's (a daylight-saving season apart)
    /// or absent. A date written with an offset further away (UTC from a portal that is not in
    /// UTC, a foreign offset) is placed in this zone instead. `nil` when the text is not a date.
    public func dated(_ text: String) -> (stamp: Int64, dateKey: Int)? {
        guard let (local, written) = Self.parseCanonical(text) else {
            return parseGeneral(text).map { ($0, dateKey($0)) }
        }
        let stamp = local - Int64(written ?? offset(ofWallTime: local))
        if let written, abs(written - offset(at: stamp)) > 3_600 { return (stamp, dateKey(stamp)) }
        let (year, month, day) = Self.civilDate(fromDays: local.floorDivided(by: 86_400).quotient)
        return (stamp, Int(year * 10_000 + month * 100 + day))
    }

    static func parseOffset(_ text: Substring) -> Int? {
        if text == "Z" || text == "UTC" || text == "+00:00" { return 0 }
        guard let signCharacter = text.first, signCharacter == "+" || signCharacter == "-" else { return nil }
        let digits = text.dropFirst().filter { $0 != ":" }
        guard digits.count == 4 || digits.count == 2, digits.allSatisfy(\.isNumber),
            let hours = Int(digits.prefix(2)), let minutes = Int(digits.count == 4 ? digits.suffix(2) : "00"),
            hours <= 14, minutes < 60
        else { return nil }
        let seconds = hours * 3600 + minutes * 60
        return signCharacter == "-" ? -seconds : seconds
    }

    static func formatOffset(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let magnitude = abs(seconds)
        return "\(sign)\(pad(Int64(magnitude / 3600), 2)):\(pad(Int64(magnitude % 3600 / 60), 2))"
    }

    /// `value` in decimal, left-padded with zeros to `width` digits.
    public static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(fromCivilYear year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    static func civilDate(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = (self >= 0 ? self : self - divisor + 1) / divisor
        return (quotient, self - quotient * divisor)
    }
}
