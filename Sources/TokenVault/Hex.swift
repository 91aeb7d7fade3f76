/// Lowercase hex, the form keys may be written in and sealed tokens are stored in
/// (PostgreSQL's `encode(…, 'hex')` / `decode(…, 'hex')`).
enum Hex {
    private static let digits = Array("0123456789abcdef")

    /// `bytes` as lowercase hex.
    static func text<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var text = ""
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return text
    }

    /// The bytes of hex text (either case); `nil` for anything else.
    static func bytes(_ text: String) -> [UInt8]? {
        let characters = Array(text)
        guard characters.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(characters.count / 2)
        var index = 0
        while index < characters.count {
            guard let high = characters[index].hexDigitValue, let low = characters[index + 1].hexDigitValue else {
                return nil
            }
            bytes.append(UInt8(high << 4 | low))
            index += 2
        }
        return bytes
    }
}
