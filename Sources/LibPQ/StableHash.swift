/// A 64-bit FNV-1a hash of text: the same in every process and version (Swift's `Hasher` is
/// seeded per process), for advisory-lock keys and migration fingerprints.
public enum StableHash {
    /// The FNV-1a hash of `text`'s UTF-8 bytes.
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
