import Crypto
import Foundation
import Testing

@testable import MedLedgerCore

/// The shared vectors in Tests/Vectors/password-keys.json, which the browser's `deriveKeys` and
/// `unwrapPrivateKey` are held to as well (e2e/test_web_password_vectors.py).
struct PasswordKeyVectors: Decodable {
    struct Vector: Decodable {
        var password: String
        var salt: String
        var iterations: Int
        var authKey: String
        var publicKey: String
        var address: String
        var wrappedKey: String
    }

    var vectors: [Vector]

    static func load() throws -> [Vector] {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vectors/password-keys.json")
        return try JSONDecoder().decode(PasswordKeyVectors.self, from: Data(contentsOf: url)).vectors
    }
}

@Suite("password keys")
struct PasswordKeysTests {
    @Test("the authentication key of each shared vector is what PBKDF2 gives")
    func authenticationKeysMatchTheVectors() throws {
        let vectors = try PasswordKeyVectors.load()
        #expect(vectors.count >= 2)
        for vector in vectors {
            let keys = try PasswordKeys(password: vector.password, salt: try #require(Base64Coding.decodeURL(vector.salt)), iterations: vector.iterations)
            #expect(Base64Coding.url(keys.authKey) == vector.authKey)
        }
    }

    @Test("each vector's wrapped key opens to the key of its address, and to nothing with another password")
    func wrappedKeysOpenOnlyWithTheirPassword() throws {
        for vector in try PasswordKeyVectors.load() {
            let salt = try #require(Base64Coding.decodeURL(vector.salt))
            let address = try #require(AccountAddress(vector.address))
            let wrapped = try #require(Base64Coding.decodeURL(vector.wrappedKey))
            let key = try PasswordKeys(password: vector.password, salt: salt, iterations: vector.iterations).unwrap(wrapped, address: address)
            #expect(key.publicKey.payloadKey == vector.publicKey)
            let wrong = try PasswordKeys(password: vector.password + "!", salt: salt, iterations: vector.iterations)
            #expect(throws: (any Error).self) { try wrong.unwrap(wrapped, address: address) }
        }
    }

    @Test("a wrapped key is bound to its address: it does not open for another account")
    func wrappingIsBoundToTheAddress() throws {
        let keys = try PasswordKeys(password: "pw", salt: Array(repeating: 7, count: 16), iterations: 1_000)
        let key = P256.Signing.PrivateKey()
        let wrapped = try keys.wrap(key)
        #expect(try keys.unwrap(wrapped, address: key.publicKey.address).rawRepresentation == key.rawRepresentation)
        let other = P256.Signing.PrivateKey().publicKey.address
        #expect(throws: (any Error).self) { try keys.unwrap(wrapped, address: other) }
    }

    @Test("no iterations is refused rather than derived")
    func zeroIterationsAreRefused() {
        #expect(throws: PasswordKeysError.self) { try PasswordKeys(password: "pw", salt: [1, 2, 3], iterations: 0) }
    }
}
