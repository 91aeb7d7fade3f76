import Testing
import TokenVault

@Suite("Sealing stored tokens: AES-256-GCM, bound to the portal, keys by id")
struct TokenCipherTests {
    static let keyA = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="  // base64 of 32 ASCII bytes
    static let keyB = String(repeating: "ab", count: 32)  // 64 hex digits

    @Test("a sealed token opens under its key and context, and its bytes never hold the token")
    func roundTrip() throws {
        let cipher = TokenCipher(current: try TokenKey(text: Self.keyA))
        let token = "r3fresh-t0ken-that-must-not-leak"
        let sealed = try cipher.seal(token, context: "portal acme refresh")
        #expect(sealed.keyID == cipher.current.id && sealed.keyID.count == 16)
        #expect(sealed.bytes.count == 12 + token.utf8.count + 16)
        #expect(!String(decoding: sealed.bytes, as: UTF8.self).contains("t0ken"))
        #expect(try cipher.open(sealed, context: "portal acme refresh") == token)
        let again = try cipher.seal(token, context: "portal acme refresh")
        #expect(again.bytes != sealed.bytes, "a fresh nonce every time")
    }

    @Test("another portal's or field's context, a flipped bit or a cut does not open")
    func refusesTampering() throws {
        let cipher = TokenCipher(current: try TokenKey(text: Self.keyA))
        let sealed = try cipher.seal("secret", context: "portal acme refresh")
        for context in ["portal globex refresh", "portal acme access"] {
            let error = #expect(throws: TokenVaultError.self) { try cipher.open(sealed, context: context) }
            #expect(error?.code == .corrupt)
        }
        var flipped = sealed
        flipped.bytes[14] ^= 0x01
        #expect(throws: TokenVaultError.self) { try cipher.open(flipped, context: "portal acme refresh") }
        var cut = sealed
        cut.bytes.removeLast()
        #expect(throws: TokenVaultError.self) { try cipher.open(cut, context: "portal acme refresh") }
        cut.bytes = Array(cut.bytes.prefix(5))
        #expect(throws: TokenVaultError.self) { try cipher.open(cut, context: "portal acme refresh") }
    }

    @Test("a token sealed under an old key opens while that key is given as previous; ids tell keys apart")
    func keyRotation() throws {
        let old = try TokenKey(text: Self.keyA)
        let new = try TokenKey(text: Self.keyB)
        #expect(old.id != new.id)
        #expect(try TokenKey(text: " \(Self.keyA)\n").id == old.id, "whitespace around the key is ignored")
        let sealed = try TokenCipher(current: old).seal("secret", context: "c")
        let error = #expect(throws: TokenVaultError.self) { try TokenCipher(current: new).open(sealed, context: "c") }
        #expect(error?.code == .unknownKey)
        #expect(error?.message.contains(old.id) == true && error?.message.contains(new.id) == true)
        let rotating = TokenCipher(current: new, previous: [old])
        #expect(try rotating.open(sealed, context: "c") == "secret")
        #expect(try rotating.seal("secret", context: "c").keyID == new.id, "new values are sealed with the current key")
    }

    @Test("a key must be 32 bytes in base64 or hex; the error never repeats what was given")
    func badKeys() {
        for text in [
            "", "short", "MDEyMzQ1Njc4OWFiY2RlZg==", String(repeating: "zz", count: 32), "not base64 at all!!",
        ] {
            let error = #expect(throws: TokenVaultError.self) { try TokenKey(text: text) }
            #expect(error?.code == .badKey)
            if !text.isEmpty { #expect(error?.message.contains(text) == false) }
        }
    }

    @Test("the digest of a secret is stable, differs between secrets and is not the secret")
    func digest() {
        let one = TokenCipher.digest("seed-one")
        #expect(one == TokenCipher.digest("seed-one") && one != TokenCipher.digest("seed-two"))
        #expect(one.count == 64 && !one.contains("seed"))
    }
}
