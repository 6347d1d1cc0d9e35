import Crypto
import Foundation
import Testing

@testable import MedLedgerCore

@Suite("cosignature/v1")
struct CosignatureTests {
    let note = WitnessFixtures.checkpoint(WitnessFixtures.tree(10), size: 10)
    let witness = WitnessFixtures.cosigner()

    @Test("a cosignature made by a key verifies with its verifier key and gives back its timestamp")
    func roundTrip() throws {
        let line = try witness.cosign(note, time: 1_795_000_123)
        let cosigned = SignedNote(text: note.text, signatures: note.signatures + [line])
        #expect(witness.verifierKey.cosignatureTime(on: cosigned) == 1_795_000_123)
        // It survives being served and parsed back.
        let reparsed = try SignedNote.parse(cosigned.serialized)
        #expect(witness.verifierKey.cosignatureTime(on: reparsed) == 1_795_000_123)
        #expect(line.keyID.count == 4)
        #expect(line.signature.count == 72)
    }

    @Test("a cosignature does not verify over a checkpoint that differs in any line, extension lines included")
    func changedCheckpointFails() throws {
        let line = try witness.cosign(note, time: 7)
        for changed in [
            note.text.replacingOccurrences(of: "\n10\n", with: "\n11\n"),
            note.text.replacingOccurrences(of: "time 1795000000000", with: "time 1795000000001"),
            note.text + "extra\n",
        ] {
            #expect(changed != note.text)
            #expect(witness.verifierKey.cosignatureTime(on: SignedNote(text: changed, signatures: [line])) == nil)
        }
    }

    @Test("a changed timestamp or a flipped signature bit makes the line invalid")
    func tamperedLine() throws {
        let line = try witness.cosign(note, time: 1000)
        var later = line.signature
        later[7] ^= 0x01  // timestamp 1001
        var flipped = line.signature
        flipped[40] ^= 0x80
        for bytes in [later, flipped, Array(line.signature.dropLast()), line.signature + [0]] {
            let tampered = SignedNote.Signature(name: line.name, keyID: line.keyID, signature: bytes)
            #expect(witness.verifierKey.cosignatureTime(on: SignedNote(text: note.text, signatures: [tampered])) == nil)
        }
    }

    @Test("lines with another name, another key ID, or from a key of another type are ignored")
    func foreignLinesIgnored() throws {
        let line = try witness.cosign(note, time: 5)
        let key = witness.verifierKey
        let renamed = SignedNote.Signature(name: "witness.example/other", keyID: line.keyID, signature: line.signature)
        let otherID = SignedNote.Signature(name: line.name, keyID: [0, 0, 0, 0], signature: line.signature)
        #expect(key.cosignatureTime(on: SignedNote(text: note.text, signatures: [renamed, otherID])) == nil)
        // The same public key configured as a log key (type 0x01) never counts as a cosigner.
        let asLogKey = NoteVerifierKey(name: key.name, type: .ed25519, publicKey: key.publicKey)
        #expect(asLogKey.cosignatureTime(on: SignedNote(text: note.text, signatures: [line])) == nil)
        // And a log's ordinary note signature is not a cosignature, even under a 0x04 key of the same name.
        let log = WitnessFixtures.logKey()
        let asCosigner = NoteVerifierKey(name: log.name, type: .cosignatureV1, publicKey: log.privateKey.publicKey)
        #expect(asCosigner.cosignatureTime(on: note) == nil)
    }

    @Test("the key ID is SHA-256(name, newline, 0x04, public key)[:4] and the vkey round-trips")
    func keyIDAndVKey() throws {
        let key = witness.verifierKey
        let expected = Array(SHA256.hash(data: Array("witness.example/w1\n".utf8) + [0x04] + key.publicKey.rawRepresentation).prefix(4))
        #expect(key.keyID == expected)
        let parsed = try #require(NoteVerifierKey(vkey: key.vkey))
        #expect(parsed == key)
        #expect(parsed.type == .cosignatureV1)
    }

    @Test("a timestamp beyond 2^63 - 1 is not accepted, and of two valid lines the later time is reported")
    func timestamps() throws {
        // Build a line claiming time 2^63 with a genuine signature over that message.
        let time = UInt64(1) << 63
        let signature = try witness.privateKey.signature(for: CosignatureV1.message(noteText: note.text, time: time))
        let tooLate = SignedNote.Signature(
            name: witness.name, keyID: witness.verifierKey.keyID, signature: CosignatureV1.encode(time: time, signature: Array(signature)))
        #expect(witness.verifierKey.cosignatureTime(on: SignedNote(text: note.text, signatures: [tooLate])) == nil)
        let early = try witness.cosign(note, time: 10)
        let late = try witness.cosign(note, time: 20)
        #expect(witness.verifierKey.cosignatureTime(on: SignedNote(text: note.text, signatures: [late, early])) == 20)
    }
}

/// Checks our cosignatures with a verifier written from tlog-cosignature alone: it builds the
/// signed message and the key ID by hand and calls swift-crypto directly, sharing no code with
/// ``CosignerKey`` or ``CosignatureV1``.
@Suite("cosignature/v1 against an independent verifier")
struct IndependentCosignatureVerifierTests {
    /// Returns the timestamp when `line` (`— name base64`) is a valid Ed25519 cosignature by
    /// (`name`, `publicKey`) over `noteText`.
    static func verify(line: String, noteText: String, name: String, publicKey: [UInt8]) -> UInt64? {
        let prefix = "\u{2014} \(name) "
        guard line.hasPrefix(prefix), let blob = Data(base64Encoded: String(line.dropFirst(prefix.count))) else { return nil }
        let bytes = [UInt8](blob)
        guard bytes.count == 4 + 8 + 64 else { return nil }
        var idInput = [UInt8](name.utf8)
        idInput.append(0x0A)
        idInput.append(0x04)
        idInput += publicKey
        guard Array(bytes[0..<4]) == Array(SHA256.hash(data: idInput).prefix(4)) else { return nil }
        var timestamp: UInt64 = 0
        for byte in bytes[4..<12] { timestamp = timestamp * 256 + UInt64(byte) }
        guard timestamp < 9_223_372_036_854_775_808 else { return nil }
        let message = Data("cosignature/v1\ntime \(timestamp)\n\(noteText)".utf8)
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey),
            key.isValidSignature(Data(bytes[12...]), for: message)
        else { return nil }
        return timestamp
    }

    @Test("our cosignature lines verify with the by-hand verifier, and fail it once the checkpoint changes")
    func ourOutputVerifies() throws {
        let note = WitnessFixtures.checkpoint(WitnessFixtures.tree(33), size: 33)
        let witness = WitnessFixtures.cosigner(seed: 42, name: "witness.example/independent")
        let line = try witness.cosign(note, time: 1_700_000_000).line
        let publicKey = [UInt8](witness.privateKey.publicKey.rawRepresentation)
        #expect(Self.verify(line: line, noteText: note.text, name: witness.name, publicKey: publicKey) == 1_700_000_000)
        let other = WitnessFixtures.checkpoint(WitnessFixtures.tree(33, rewritten: true), size: 33)
        #expect(Self.verify(line: line, noteText: other.text, name: witness.name, publicKey: publicKey) == nil)
        #expect(Self.verify(line: line, noteText: note.text, name: "witness.example/else", publicKey: publicKey) == nil)
    }

    @Test("the by-hand verifier accepts a line it signed itself, which our verifier accepts too")
    func handMadeLineVerifiesWithOurs() throws {
        let note = WitnessFixtures.checkpoint(WitnessFixtures.tree(5), size: 5)
        let privateKey = Curve25519.Signing.PrivateKey()
        let name = "witness.example/by-hand"
        let publicKey = [UInt8](privateKey.publicKey.rawRepresentation)
        let time: UInt64 = 0x0102_0304_0506_0708
        let signature = try privateKey.signature(for: Data("cosignature/v1\ntime \(time)\n\(note.text)".utf8))
        let id = Array(SHA256.hash(data: Array(name.utf8) + [0x0A, 0x04] + publicKey).prefix(4))
        let line = "\u{2014} \(name) " + Data(id + [1, 2, 3, 4, 5, 6, 7, 8] + [UInt8](signature)).base64EncodedString()
        #expect(Self.verify(line: line, noteText: note.text, name: name, publicKey: publicKey) == time)
        let cosigned = try SignedNote.parse(note.serialized + line + "\n")
        let ours = NoteVerifierKey(name: name, type: .cosignatureV1, publicKey: privateKey.publicKey)
        #expect(ours.cosignatureTime(on: cosigned) == time)
    }
}
