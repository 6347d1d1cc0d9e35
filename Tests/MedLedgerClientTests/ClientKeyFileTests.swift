import Crypto
import Foundation
import MedLedgerClient
import MedLedgerCore
import Testing

@Suite("client key files")
struct ClientKeyFileTests {
    @Test("a key file survives a JSON round trip and yields the same key")
    func roundTrip() throws {
        let key = P256.Signing.PrivateKey()
        let file = ClientKeyFile(key: key)
        #expect(file.kind == "medledger-p256-signing-key")
        #expect(file.address == key.publicKey.address.rawValue)
        #expect(file.publicKey == key.publicKey.payloadKey)
        #expect(Base64Coding.decodeURL(file.privateKey)?.count == 32)
        let decoded = try JSONDecoder().decode(ClientKeyFile.self, from: JSONEncoder().encode(file))
        let restored = try decoded.signingKey()
        #expect(restored.rawRepresentation == key.rawRepresentation)
    }

    @Test("a key file whose public key, address, kind or private key is wrong is refused")
    func mismatches() {
        let key = P256.Signing.PrivateKey()
        let other = P256.Signing.PrivateKey()
        var file = ClientKeyFile(key: key)
        file.publicKey = other.publicKey.payloadKey
        #expect(throws: KeyFileError.self) { try file.signingKey() }

        file = ClientKeyFile(key: key)
        file.address = other.publicKey.address.rawValue
        #expect(throws: KeyFileError.self) { try file.signingKey() }

        file = ClientKeyFile(key: key)
        file.kind = "something-else"
        #expect(throws: KeyFileError.self) { try file.signingKey() }

        file = ClientKeyFile(key: key)
        file.privateKey = Base64Coding.standard(key.rawRepresentation)
        #expect(throws: (any Error).self) { try file.signingKey() }

        // A private key swapped for another one, with the original public half left in place.
        file = ClientKeyFile(key: key)
        file.privateKey = Base64Coding.url(other.rawRepresentation)
        #expect(throws: KeyFileError.self) { try file.signingKey() }
    }
}
