/// When a portal is due: every fixed interval, or once a day at a time of day in the portal's own
/// UTC offset.
public enum Schedule: Sendable, Equatable, CustomStringConvertible {
    /// Every `seconds` (at least a minute), on a grid from the first run: a slot is never run twice
    /// and missed slots are not caught up.
    case every(seconds: Int64)
    /// Daily at `minuteOfDay` (0…1439) in the portal's UTC offset.
    case daily(minuteOfDay: Int)

    /// `every = "15m"` or `daily = "02:30"`; `nil` when the text is not one.
    public init?(every: String) {
        guard let seconds = DurationText.seconds(every), seconds >= 60 else { return nil }
        self = .every(seconds: seconds)
    }

    /// `daily = "02:30"`; `nil` when the text is not a time of day `HH:MM`.
    public init?(daily: String) {
        let parts = daily.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hour = Int(parts[0]),
            let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        self = .daily(minuteOfDay: hour * 60 + minute)
    }

    /// The text `etl.portal_job.schedule` stores and `b24pg status` shows; `init(stored:)` reads it.
    public var description: String {
        switch self {
        case .every(let seconds):
            if seconds % 86_400 == 0 { return "every \(seconds / 86_400)d" }
            if seconds % 3_600 == 0 { return "every \(seconds / 3_600)h" }
            if seconds % 60 == 0 { return "every \(seconds / 60)m" }
            return "every \(seconds)s"
        case .daily(let minute):
            let (hour, rest) = (minute / 60, minute % 60)
            return "daily " + (hour < 10 ? "0" : "") + "\(hour):" + (rest < 10 ? "0" : "") + "\(rest)"
        }
    }

    /// A schedule from its stored text (`every 15m`, `daily 02:30`).
    public init?(stored: String) {
        if stored.hasPrefix("every "), let schedule = Schedule(every: String(stored.dropFirst(6))) {
            self = schedule
        } else if stored.hasPrefix("daily "), let schedule = Schedule(daily: String(stored.dropFirst(6))) {
            self = schedule
        } else {
            return nil
        }
    }

    /// The first slot strictly after `now` (unix seconds): for `every`, on the grid through
    /// `due` (the slot just run); for `daily`, the next time of day in `offsetSeconds`.
    public func next(after now: Int64, due: Int64, offsetSeconds: Int) -> Int64 {
        switch self {
        case .every(let seconds):
            guard due <= now else { return due + seconds }
            return due + ((now - due) / seconds + 1) * seconds
        case .daily(let minute):
            let local = now + Int64(offsetSeconds)
            let midnight = local - ((local % 86_400) + 86_400) % 86_400
            var slot = midnight + Int64(minute) * 60
            if slot <= local { slot += 86_400 }
            return slot - Int64(offsetSeconds)
        }
    }
}
