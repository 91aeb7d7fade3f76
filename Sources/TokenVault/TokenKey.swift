import Crypto
import Foundation

/// A 256-bit key that seals stored OAuth tokens, with a short public id that says which key
/// sealed a token without revealing the key.
public struct TokenKey: Sendable {
    /// The key material.
    let key: SymmetricKey
    /// 16 hex digits derived from the key (an HMAC of a fixed label): safe to store and print.
    public let id: String

    /// Reads a key written as base64 (`openssl rand -base64 32`) or 64 hex digits.
    ///
    /// - Throws: `TokenVaultError` (`badKey`) for anything else; the message never repeats the text.
    public init(text: String) throws(TokenVaultError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes: [UInt8]
        if trimmed.count == 64, let hex = Hex.bytes(trimmed) {
            bytes = hex
        } else if let data = Data(base64Encoded: trimmed), data.count == 32 {
            bytes = Array(data)
        } else {
            throw TokenVaultError(
                code: .badKey,
                message: "a token key is 32 random bytes written as base64 (openssl rand -base64 32) or 64 hex digits")
        }
        key = SymmetricKey(data: bytes)
        let mac = HMAC<SHA256>.authenticationCode(for: Array("b24pg token key id".utf8), using: key)
        id = Hex.text(mac.prefix(8))
    }
}
