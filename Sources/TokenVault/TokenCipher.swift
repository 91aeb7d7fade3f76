import Crypto
import Foundation

/// Seals secrets for storage with AES-256-GCM under the current key and opens them under the
/// current or a previous key. Each sealed value is bound to a context (the portal's name and the
/// field), so a value copied to another row or field does not open.
public struct TokenCipher: Sendable {
    /// The key new values are sealed with.
    public let current: TokenKey
    /// Older keys values may still be sealed with (opened, never used to seal).
    public let previous: [TokenKey]

    /// A cipher sealing with `current` and also opening what `previous` sealed.
    public init(current: TokenKey, previous: [TokenKey] = []) {
        self.current = current
        self.previous = previous
    }

    /// `secret` sealed under the current key: nonce, ciphertext and tag, with the key's id.
    public func seal(_ secret: String, context: String) throws(TokenVaultError) -> SealedToken {
        do {
            let box = try AES.GCM.seal(Array(secret.utf8), using: current.key, authenticating: Array(context.utf8))
            guard let combined = box.combined else {
                throw TokenVaultError(code: .corrupt, message: "the cipher returned no combined form")
            }
            return SealedToken(keyID: current.id, bytes: Array(combined))
        } catch let error as TokenVaultError {
            throw error
        } catch {
            throw TokenVaultError(code: .corrupt, message: "sealing a token failed (\(error))")
        }
    }

    /// The secret in `sealed`, opened under the key its id names.
    ///
    /// - Throws: `unknownKey` when no key given has that id, `corrupt` when the bytes do not
    ///   authenticate for `context`.
    public func open(_ sealed: SealedToken, context: String) throws(TokenVaultError) -> String {
        guard let key = ([current] + previous).first(where: { $0.id == sealed.keyID }) else {
            let known = ([current] + previous).map(\.id).joined(separator: ", ")
            throw TokenVaultError(
                code: .unknownKey,
                message: "the stored token was sealed with key \(sealed.keyID), and this process has key(s) \(known)")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.bytes)
            let plain = try AES.GCM.open(box, using: key.key, authenticating: Array(context.utf8))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw TokenVaultError(
                code: .corrupt, message: "the stored token for \(context) does not authenticate under key \(key.id)")
        }
    }

    /// The SHA-256 of `secret` in hex: tells whether a configured secret changed without storing
    /// it (for random tokens only; never for a password someone chose).
    public static func digest(_ secret: String) -> String {
        Hex.text(SHA256.hash(data: Array(secret.utf8)))
    }
}

/// A sealed secret as stored: the sealing key's id and the bytes (nonce, ciphertext, tag).
public struct SealedToken: Sendable, Equatable {
    /// The id of the key that sealed it.
    public var keyID: String
    /// Nonce (12 bytes), ciphertext and tag (16 bytes).
    public var bytes: [UInt8]

    /// A sealed token read back from storage.
    public init(keyID: String, bytes: [UInt8]) {
        self.keyID = keyID
        self.bytes = bytes
    }

    /// A sealed token stored as hex; `nil` when `hex` is not hex.
    public init?(keyID: String, hex: String) {
        guard let bytes = Hex.bytes(hex) else { return nil }
        self.init(keyID: keyID, bytes: bytes)
    }

    /// The bytes as hex, the form storage takes.
    public var hex: String { Hex.text(bytes) }
}
