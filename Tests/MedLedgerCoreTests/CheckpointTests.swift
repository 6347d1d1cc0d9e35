import Crypto
import Foundation
import Testing

@testable import MedLedgerCore

private let sampleRoot = TreeHash([UInt8](repeating: 0xAB, count: 32))!
private let sampleCheckpoint = Checkpoint(
    origin: "example.com/log", size: 5, root: sampleRoot, time: 1_700_000_000_123,
    previousSize: 3, previousHash: [UInt8](repeating: 0x11, count: 32))
private let sampleBody = """
    example.com/log
    5
    q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=
    time 1700000000123
    prev 3 ERERERERERERERERERERERERERERERERERERERERERE=

    """

/// A deterministic Ed25519 key so failures are reproducible.
private func noteKey(name: String = "example.com/log", seed: UInt8 = 7) -> NoteSigningKey {
    NoteSigningKey(name: name, privateKey: try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: seed, count: 32)))
}

@Suite("checkpoint bodies")
struct CheckpointBodyTests {
    @Test("the body is exactly origin, size, base64 root, time line and prev line, newline-terminated")
    func exactBody() {
        #expect(sampleCheckpoint.body == sampleBody)
    }

    @Test("the first checkpoint links to size 0 and 32 zero bytes")
    func firstCheckpoint() {
        let first = Checkpoint(origin: "o", size: 1, root: sampleRoot, time: 0, previousSize: 0, previousHash: Checkpoint.noPrevious)
        #expect(first.body.hasSuffix("\nprev 0 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"))
        #expect(Checkpoint.noPrevious == [UInt8](repeating: 0, count: 32))
    }

    @Test("bodyHash is SHA-256 of the body's UTF-8 bytes")
    func bodyHash() {
        #expect(sampleCheckpoint.bodyHash == Array(SHA256.hash(data: Array(sampleBody.utf8))))
    }

    @Test("parse(body) round-trips",
          arguments: [
              sampleCheckpoint,
              Checkpoint(origin: "o", size: 0, root: .empty, time: 0, previousSize: 0, previousHash: Checkpoint.noPrevious),
              Checkpoint(origin: "x.y/z", size: .max, root: sampleRoot, time: -5, previousSize: .max, previousHash: [UInt8](repeating: 0xFF, count: 32)),
          ])
    func roundTrip(checkpoint: Checkpoint) throws {
        #expect(try Checkpoint.parse(checkpoint.body) == checkpoint)
    }

    static let nonCanonical: [(String, String)] = [
        ("leading zero in size", sampleBody.replacingOccurrences(of: "\n5\n", with: "\n05\n")),
        ("plus sign in size", sampleBody.replacingOccurrences(of: "\n5\n", with: "\n+5\n")),
        ("negative size", sampleBody.replacingOccurrences(of: "\n5\n", with: "\n-5\n")),
        ("empty size", sampleBody.replacingOccurrences(of: "\n5\n", with: "\n\n")),
        ("leading zero in time", sampleBody.replacingOccurrences(of: "time 1", with: "time 01")),
        ("time without value", sampleBody.replacingOccurrences(of: "time 1700000000123", with: "time")),
        ("two spaces in time", sampleBody.replacingOccurrences(of: "time ", with: "time  ")),
        ("leading zero in prev size", sampleBody.replacingOccurrences(of: "prev 3", with: "prev 03")),
        ("misspelled prev", sampleBody.replacingOccurrences(of: "prev 3", with: "prv 3")),
        ("prev hash of 31 bytes", sampleBody.replacingOccurrences(of: "ERERERERERERERERERERERERERERERERERERERERERE=", with: Base64Coding.standard([UInt8](repeating: 0x11, count: 31)))),
        ("prev hash of 33 bytes", sampleBody.replacingOccurrences(of: "ERERERERERERERERERERERERERERERERERERERERERE=", with: Base64Coding.standard([UInt8](repeating: 0x11, count: 33)))),
        ("prev hash not base64", sampleBody.replacingOccurrences(of: "ERERERERERERERERERERERERERERERERERERERERERE=", with: "!!!")),
        ("missing time line", sampleBody.replacingOccurrences(of: "time 1700000000123\n", with: "")),
        ("missing prev line", sampleBody.replacingOccurrences(of: "prev 3 ERERERERERERERERERERERERERERERERERERERERERE=\n", with: "")),
        ("extra line", sampleBody + "extra\n"),
        ("no final newline", String(sampleBody.dropLast())),
        ("blank final line", sampleBody + "\n"),
        ("root without padding", sampleBody.replacingOccurrences(of: "q6s=", with: "q6s")),
        ("root url-safe", sampleBody.replacingOccurrences(of: "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=", with: "-6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=")),
        ("root of 31 bytes", sampleBody.replacingOccurrences(of: "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=", with: Base64Coding.standard([UInt8](repeating: 0xAB, count: 31)))),
        ("origin with space", sampleBody.replacingOccurrences(of: "example.com/log", with: "example com")),
        ("empty origin", sampleBody.replacingOccurrences(of: "example.com/log", with: "")),
        ("CRLF line endings", sampleBody.replacingOccurrences(of: "\n", with: "\r\n")),
        ("empty", ""),
    ]

    @Test("parse rejects anything but the canonical spelling", arguments: nonCanonical)
    func rejectsNonCanonical(label: String, text: String) {
        #expect(throws: Checkpoint.ParseError.self, "\(label)") { try Checkpoint.parse(text) }
    }
}

@Suite("note keys")
struct NoteKeyTests {
    @Test("the key ID is the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key)")
    func keyID() {
        let key = noteKey()
        let verifier = key.verifierKey
        let expected = Array(SHA256.hash(data: Array("example.com/log".utf8) + [0x0A, 0x01] + [UInt8](key.privateKey.publicKey.rawRepresentation)).prefix(4))
        #expect(verifier.keyID == expected)
        #expect(verifier.type == .ed25519)
        #expect(noteKey(name: "other").verifierKey.keyID != expected)
    }

    @Test("a vkey has one spelling: upper-case key IDs and non-canonical base64 are refused")
    func vkeyOneSpelling() throws {
        let vkey = NoteSigningKey(name: "witness.example/w", privateKey: Curve25519.Signing.PrivateKey()).verifierKey.vkey
        #expect(NoteVerifierKey(vkey: vkey)?.vkey == vkey)
        let parts = vkey.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        if parts[1].contains(where: \.isLetter) {
            #expect(NoteVerifierKey(vkey: "\(parts[0])+\(parts[1].uppercased())+\(parts[2])") == nil)
        }
        // The fuzzer's input: an upper-case hex digit in the key ID.
        #expect(NoteVerifierKey(vkey: "witness.example/fuzz+3e4cD484+BNdZeTu8E6KBmoJ8dq22+6ikmu4Af0ny0JktmbglrSxI") == nil)
        // 33 bytes in base64 end in 4 full characters; altering the unused bits of a shorter form is
        // not possible here, so a trailing character outside the alphabet stands for a second spelling.
        #expect(NoteVerifierKey(vkey: vkey + "=") == nil)
        #expect(NoteVerifierKey(vkey: vkey + "\n") == nil)
    }

    @Test("the vkey string is <name>+<8 hex key ID>+<base64(0x01 || 32-byte key)> and parses back")
    func vkeyFormat() throws {
        let key = noteKey()
        let vkey = key.verifierKey.vkey
        // Standard base64 may itself contain '+', so only the first two '+' separate fields.
        let parts = vkey.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        #expect(parts[0] == "example.com/log")
        #expect(parts[1] == Substring(Hex.encode(key.verifierKey.keyID)))
        #expect(parts[1].utf8.count == 8)
        let material = try #require(Base64Coding.decodeStandard(parts[2]))
        #expect(material == [0x01] + [UInt8](key.privateKey.publicKey.rawRepresentation))
        let parsed = try #require(NoteVerifierKey(vkey: vkey))
        #expect(parsed == key.verifierKey)
        #expect(parsed.vkey == vkey)
    }

    @Test("vkeys of many random keys round-trip, including ones whose base64 contains '+' or '/'")
    func vkeyRoundTripRandomKeys() throws {
        var sawPlus = false
        for i in 0..<200 {
            let key = NoteSigningKey(name: "log\(i).example", privateKey: Curve25519.Signing.PrivateKey())
            let vkey = key.verifierKey.vkey
            if vkey.split(separator: "+", maxSplits: 2).last?.contains("+") == true { sawPlus = true }
            #expect(NoteVerifierKey(vkey: vkey) == key.verifierKey, "\(vkey)")
        }
        // With 200 keys, a '+' inside the key material is all but certain (miss chance ~ (63/64)^8800).
        #expect(sawPlus)
    }

    @Test("a cosignature-type key round-trips with its own key ID")
    func cosignatureType() throws {
        let publicKey = noteKey().privateKey.publicKey
        let cosigner = NoteVerifierKey(name: "witness", type: .cosignatureV1, publicKey: publicKey)
        #expect(cosigner.keyID == Array(SHA256.hash(data: Array("witness".utf8) + [0x0A, 0x04] + [UInt8](publicKey.rawRepresentation)).prefix(4)))
        #expect(NoteVerifierKey(vkey: cosigner.vkey) == cosigner)
        #expect(cosigner != NoteVerifierKey(name: "witness", type: .ed25519, publicKey: publicKey))
    }

    @Test("malformed vkey strings are refused")
    func vkeyRejections() {
        let good = noteKey().verifierKey
        let parts = good.vkey.split(separator: "+", maxSplits: 2).map(String.init)
        let keyBytes = [UInt8](good.publicKey.rawRepresentation)
        var wrongID = good.keyID
        wrongID[0] ^= 1
        let bad = [
            "",
            parts[0] + "+" + parts[1],
            good.vkey + "+extra",
            "+" + parts[1] + "+" + parts[2],
            "other.name+" + parts[1] + "+" + parts[2],
            parts[0] + "+" + Hex.encode(wrongID) + "+" + parts[2],
            parts[0] + "+" + parts[1] + "00+" + parts[2],
            parts[0] + "+" + String(parts[1].dropLast()) + "+" + parts[2],
            parts[0] + "+" + parts[1] + "+" + Base64Coding.standard([0x02] + keyBytes),
            parts[0] + "+" + parts[1] + "+" + Base64Coding.standard(keyBytes),
            parts[0] + "+" + parts[1] + "+" + Base64Coding.standard([0x01] + keyBytes + [0]),
            parts[0] + "+" + parts[1] + "+" + parts[2] + "=",
            parts[0] + "+" + parts[1] + "+ " + parts[2],
            parts[0] + "+" + parts[1] + "+" + parts[2] + "\n",
            "bad name+" + parts[1] + "+" + parts[2],
        ]
        for text in bad {
            #expect(NoteVerifierKey(vkey: text) == nil, "\(text)")
        }
    }

    @Test("key names: non-empty, at most 255 bytes, no whitespace, controls or '+'")
    func keyNames() {
        #expect(NoteKeyName.isValid("example.com/log"))
        #expect(NoteKeyName.isValid("\u{e9}t\u{e9}"))
        #expect(NoteKeyName.isValid(String(repeating: "a", count: 255)))
        for name in ["", " ", "a b", "a+b", "a\tb", "a\nb", "a\u{7f}", "a\u{2003}b", "a\u{0}b", String(repeating: "a", count: 256)] {
            #expect(!NoteKeyName.isValid(name), "\(name.debugDescription)")
        }
    }
}

@Suite("signed notes")
struct SignedNoteTests {
    @Test("signing produces one Ed25519 signature over the text that the verifier key accepts")
    func signAndVerify() throws {
        let key = noteKey()
        let note = try key.sign(text: sampleBody)
        #expect(note.text == sampleBody)
        #expect(note.signatures.count == 1)
        let signature = note.signatures[0]
        #expect(signature.name == "example.com/log")
        #expect(signature.keyID == key.verifierKey.keyID)
        #expect(signature.signature.count == 64)
        #expect(key.privateKey.publicKey.isValidSignature(signature.signature, for: Array(sampleBody.utf8)))
        #expect(key.verifierKey.hasSigned(note))
    }

    @Test("the serialized note is text, blank line, '— <name> <base64(keyID || signature)>' lines")
    func serializedFormat() throws {
        let key = noteKey()
        let note = try key.sign(text: sampleBody)
        let sig = note.signatures[0]
        let expected = sampleBody + "\n\u{2014} example.com/log " + Base64Coding.standard(sig.keyID + sig.signature) + "\n"
        #expect(note.serialized == expected)
        #expect(try SignedNote.parse(note.serialized) == note)
    }

    @Test("a note with several signatures round-trips and each key finds its own signature")
    func multipleSignatures() throws {
        let log = noteKey()
        let witness = noteKey(name: "witness.example", seed: 9)
        let a = try log.sign(text: sampleBody)
        let b = try witness.sign(text: sampleBody)
        let note = SignedNote(text: sampleBody, signatures: a.signatures + b.signatures)
        let parsed = try SignedNote.parse(note.serialized)
        #expect(parsed == note)
        #expect(log.verifierKey.hasSigned(parsed))
        #expect(witness.verifierKey.hasSigned(parsed))
    }

    @Test("hasSigned is false for another key, another name, altered text, a wrong key ID or a corrupted signature")
    func verificationFailures() throws {
        let key = noteKey()
        let note = try key.sign(text: sampleBody)
        #expect(!noteKey(seed: 8).verifierKey.hasSigned(note), "different key, same name")
        #expect(!NoteVerifierKey(name: "other.log", publicKey: key.privateKey.publicKey).hasSigned(note), "same key, other name")

        let altered = SignedNote(text: sampleBody.replacingOccurrences(of: "\n5\n", with: "\n6\n"), signatures: note.signatures)
        #expect(!key.verifierKey.hasSigned(altered))

        let sig = note.signatures[0]
        var badID = sig.keyID
        badID[3] ^= 0x80
        #expect(!key.verifierKey.hasSigned(SignedNote(text: sampleBody, signatures: [.init(name: sig.name, keyID: badID, signature: sig.signature)])))
        var badSig = sig.signature
        badSig[10] ^= 0x01
        #expect(!key.verifierKey.hasSigned(SignedNote(text: sampleBody, signatures: [.init(name: sig.name, keyID: sig.keyID, signature: badSig)])))
        // Signature lines from a different note do not carry over.
        let other = try key.sign(text: "example.com/log\n1\n")
        #expect(!key.verifierKey.hasSigned(SignedNote(text: sampleBody, signatures: other.signatures)))
    }

    @Test("malformed serialized notes are refused")
    func malformedNotes() throws {
        let note = try noteKey().sign(text: sampleBody)
        let line = note.signatures[0].line
        let bad: [(String, String)] = [
            ("no final newline", String(note.serialized.dropLast())),
            ("no blank line", sampleBody + line + "\n"),
            ("no signatures", sampleBody + "\n"),
            ("hyphen instead of em dash", sampleBody + "\n" + line.replacingOccurrences(of: "\u{2014}", with: "-") + "\n"),
            ("missing space after dash", sampleBody + "\n" + line.replacingOccurrences(of: "\u{2014} ", with: "\u{2014}") + "\n"),
            ("signature not base64", sampleBody + "\n\u{2014} example.com/log !!!!\n"),
            ("signature too short", sampleBody + "\n\u{2014} example.com/log " + Base64Coding.standard([1, 2, 3, 4]) + "\n"),
            ("extra field", sampleBody + "\n" + line + " extra\n"),
            ("blank line inside text", "a\n\nb\n\n" + line + "\n"),
            ("text starts with blank line", "\n" + sampleBody + "\n" + line + "\n"),
            ("trailing blank line", note.serialized + "\n"),
            ("blank line between signatures", sampleBody + "\n" + line + "\n\n" + line + "\n"),
            ("empty", ""),
        ]
        for (label, text) in bad {
            #expect(throws: SignedNote.ParseError.self, "\(label)") { try SignedNote.parse(text) }
        }
    }

    @Test("a carriage return before the blank line is refused, not parsed into text that does not end in a newline")
    func refusesCarriageReturnBeforeSignatures() throws {
        // Found by fuzzing (Tests/Fuzz/Corpus/signed-note/regression-carriage-return): "\r\n" is one
        // Character, so the text "…\r\n" did not end with "\n" although its last byte was a newline.
        let note = try noteKey().sign(text: sampleBody)
        let serialized = String(sampleBody.dropLast()) + "\r\n\n" + note.signatures[0].line + "\n"
        #expect(throws: SignedNote.ParseError.malformed("a note must not contain control characters other than newline")) {
            try SignedNote.parse(serialized)
        }
    }

    @Test("control characters other than newline are refused anywhere in a note",
          arguments: ["\u{0}", "\t", "\r", "\u{1B}", "\u{7F}"])
    func refusesControlCharacters(control: String) throws {
        let note = try noteKey().sign(text: sampleBody)
        let inText = sampleBody.replacingOccurrences(of: "\n", with: control + "\n", options: [], range: nil)
        let inSignature = sampleBody + "\n" + note.signatures[0].line + control + "\n"
        for serialized in [inText + "\n" + note.signatures[0].line + "\n", inSignature] {
            #expect(throws: SignedNote.ParseError.self) { try SignedNote.parse(serialized) }
        }
    }

    @Test("unknown but well-formed signature lines are kept for the verifier to ignore")
    func foreignSignaturesKept() throws {
        let key = noteKey()
        let note = try key.sign(text: sampleBody)
        let foreign = "\u{2014} someone.else " + Base64Coding.standard([UInt8](repeating: 5, count: 68))
        let parsed = try SignedNote.parse(sampleBody + "\n" + foreign + "\n" + note.signatures[0].line + "\n")
        #expect(parsed.signatures.count == 2)
        #expect(parsed.signatures[0].name == "someone.else")
        #expect(key.verifierKey.hasSigned(parsed))
    }
}

@Suite("signed checkpoints")
struct SignedCheckpointTests {
    @Test("open parses a served note signed by the log and returns its checkpoint")
    func openValid() throws {
        let key = noteKey()
        let note = try key.sign(text: sampleCheckpoint.body)
        let opened = try SignedCheckpoint.open(note.serialized, verifier: key.verifierKey)
        #expect(opened.checkpoint == sampleCheckpoint)
        #expect(opened.note == note)
    }

    @Test("open refuses a note not signed by the verifier, altered text, or text that is not a checkpoint")
    func openRefusals() throws {
        let key = noteKey()
        let note = try key.sign(text: sampleCheckpoint.body)
        #expect(throws: (any Error).self) { try SignedCheckpoint.open(note.serialized, verifier: noteKey(seed: 3).verifierKey) }
        let altered = note.serialized.replacingOccurrences(of: "\n5\n", with: "\n6\n")
        #expect(throws: (any Error).self) { try SignedCheckpoint.open(altered, verifier: key.verifierKey) }
        let notACheckpoint = try key.sign(text: "example.com/log\n5\n")
        #expect(throws: Checkpoint.ParseError.self) { try SignedCheckpoint.open(notACheckpoint.serialized, verifier: key.verifierKey) }
        #expect(throws: SignedNote.ParseError.self) { try SignedCheckpoint.open("garbage", verifier: key.verifierKey) }
    }
}
