/// Durations as people write them in flags and config files: `90s`, `15m`, `24h`, `7d`, or a
/// bare number of seconds.
public enum DurationText {
    /// The duration in seconds, or `nil` when the text is not a non-negative duration.
    public static func seconds(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        if let unit = text.last.flatMap({ units[$0] }), let value = Int64(text.dropLast()), value >= 0 {
            return value * unit
        }
        return Int64(text).flatMap { $0 >= 0 ? $0 : nil }
    }
}
