import Crypto
import Foundation
import Testing

@testable import MedLedgerCore

@Suite("DSSE pre-authentication encoding")
struct PreAuthenticationEncodingTests {
    @Test("PAE is 'DSSEv1 <len type> <type> <len body> <body>' with byte lengths",
          arguments: [
              ("http://example.com/HelloWorld", "hello world", "DSSEv1 29 http://example.com/HelloWorld 11 hello world"),
              ("t", "", "DSSEv1 1 t 0 "),
              ("", "", "DSSEv1 0  0 "),
              ("application/vnd.medledger.tx+json", "{}", "DSSEv1 33 application/vnd.medledger.tx+json 2 {}"),
              // Lengths count UTF-8 bytes, not characters: "é" is 2 bytes and "€" is 3.
              ("é", "€ 1", "DSSEv1 2 é 5 € 1"),
          ])
    func knownEncodings(type: String, body: String, expected: String) {
        let pae = DSSEEnvelope.preAuthenticationEncoding(payloadType: type, payload: Array(body.utf8))
        #expect(pae == Array(expected.utf8))
    }

    @Test("PAE keeps arbitrary binary payload bytes verbatim")
    func binaryPayload() {
        let payload: [UInt8] = [0x00, 0xFF, 0x20, 0x0A]
        let pae = DSSEEnvelope.preAuthenticationEncoding(payloadType: "x", payload: payload)
        #expect(pae == Array("DSSEv1 1 x 4 ".utf8) + payload)
    }
}

@Suite("envelope signing and verification")
struct EnvelopeVerificationTests {
    let signer = EnvelopeSigner(key: P256.Signing.PrivateKey())
    let verifier = EnvelopeVerifier(registry: .ledger)

    @Test("a signed ping verifies and reports its signer, nonce, expiry, type and leaf hash")
    func signAndVerifyPing() throws {
        let entry = try signer.sign(PingBody(), nonce: fixedNonce, expires: testNow + 60_000)
        let verified = try verifier.verify(entry, now: testNow)
        #expect(verified.entry == entry)
        #expect(verified.type == "ledger.ping")
        #expect(verified.signer == signer.address)
        #expect(verified.signerKey.rawRepresentation == signer.key.publicKey.rawRepresentation)
        #expect(verified.nonce == fixedNonce)
        #expect(verified.expires == testNow + 60_000)
        #expect(verified.body is PingBody)
        #expect(verified.leafHash.bytes == Array(SHA256.hash(data: [0x00] + entry)))
        #expect(verified.nonceKey == NonceKey(signer: signer.address, nonce: fixedNonce))
    }

    @Test("the envelope is DSSE JSON whose single signature verifies over PAE with the signer's key")
    func envelopeShape() throws {
        let entry = try signer.sign(PingBody(), nonce: fixedNonce, expires: testNow + 1)
        let envelope = try decodeEnvelope(entry)
        #expect(envelope.payloadType == "application/vnd.medledger.tx+json")
        #expect(envelope.signatures.count == 1)
        #expect(envelope.signatures[0].keyid == signer.address.rawValue)
        let payload = try #require(Data(base64Encoded: envelope.payload))
        let object = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        #expect(object["type"] as? String == "ledger.ping")
        #expect(object["signer"] as? String == signer.payloadKey)
        #expect(object["nonce"] as? String == fixedNonce)
        #expect((object["expires"] as? NSNumber)?.int64Value == testNow + 1)
        let sig = try #require(Data(base64Encoded: envelope.signatures[0].sig))
        #expect(sig.count == 64)
        let pae = Array("DSSEv1 33 application/vnd.medledger.tx+json \(payload.count) ".utf8) + [UInt8](payload)
        let ecdsa = try P256.Signing.ECDSASignature(rawRepresentation: sig)
        #expect(signer.key.publicKey.isValidSignature(ecdsa, for: pae))
        // Sorted keys, no whitespace, no escaped slashes.
        let text = String(decoding: entry, as: UTF8.self)
        #expect(text.hasPrefix(#"{"payload":""#))
        #expect(!text.contains(" "))
        #expect(!text.contains(#"\/"#))
    }

    @Test("a payload changed after signing fails with bad_signature")
    func tamperedPayload() throws {
        let entry = try signer.sign(PingBody(), nonce: fixedNonce, expires: testNow + 60_000)
        var envelope = try decodeEnvelope(entry)
        envelope.payload = Base64Coding.standard(handPayload(signer: signer.payloadKey, nonce: "another-nonce-0123456"))
        #expect(envelopeError { try verifier.verify(envelope.encoded(), now: testNow) } == .badSignature)
        #expect(envelopeError { try verifier.verify(entry, now: testNow) } == nil)
    }

    @Test("a signature with a flipped bit, the wrong length or bad base64 fails with bad_signature",
          arguments: ["flip", "short", "long", "notBase64", "empty"])
    func tamperedSignature(kind: String) throws {
        let entry = try signer.sign(PingBody(), nonce: fixedNonce, expires: testNow + 60_000)
        var envelope = try decodeEnvelope(entry)
        var sig = try #require(Base64Coding.decodeStandard(envelope.signatures[0].sig))
        switch kind {
        case "flip": sig[40] ^= 0x01
        case "short": sig.removeLast()
        case "long": sig.append(0)
        default: break
        }
        envelope.signatures[0].sig = switch kind {
        case "notBase64": "%%%%"
        case "empty": ""
        default: Base64Coding.standard(sig)
        }
        #expect(envelopeError { try verifier.verify(envelope.encoded(), now: testNow) } == .badSignature)
    }

    @Test("a payload naming one key but signed by another fails with bad_signature")
    func wrongKey() throws {
        let other = P256.Signing.PrivateKey()
        let payload = handPayload(signer: signer.payloadKey)
        let type = DSSEEnvelope.transactionPayloadType
        for keyid in [nil, "", signer.address.rawValue] as [String?] {
            let envelope = DSSEEnvelope(
                payloadType: type, payload: Base64Coding.standard(payload),
                signatures: [.init(keyid: keyid, sig: try signPAE(other, payloadType: type, payload: payload))])
            #expect(envelopeError { try verifier.verify(envelope.encoded(), now: testNow) } == .badSignature, "keyid \(keyid ?? "nil")")
        }
        // Signed under a different payload type than the envelope declares.
        let envelope = DSSEEnvelope(
            payloadType: type, payload: Base64Coding.standard(payload),
            signatures: [.init(keyid: nil, sig: try signPAE(signer.key, payloadType: "application/json", payload: payload))])
        #expect(envelopeError { try verifier.verify(envelope.encoded(), now: testNow) } == .badSignature)
    }

    @Test("a keyid other than the signer's address fails with keyid_mismatch; a missing or empty keyid is allowed")
    func keyIDMismatch() throws {
        let entry = try signer.sign(PingBody(), nonce: fixedNonce, expires: testNow + 60_000)
        var envelope = try decodeEnvelope(entry)
        envelope.signatures[0].keyid = EnvelopeSigner(key: P256.Signing.PrivateKey()).address.rawValue
        #expect(envelopeError { try verifier.verify(envelope.encoded(), now: testNow) } == .keyIDMismatch)
        envelope.signatures[0].keyid = "someone"
        #expect(envelopeError { try verifier.verify(envelope.encoded(), now: testNow) } == .keyIDMismatch)
        envelope.signatures[0].keyid = nil
        #expect(envelopeError { try verifier.verify(envelope.encoded(), now: testNow) } == nil)
        envelope.signatures[0].keyid = ""
        #expect(envelopeError { try verifier.verify(envelope.encoded(), now: testNow) } == nil)
    }

    @Test("expiry: before now is expired, now itself is fine, up to the validity window is fine, beyond it is too far")
    func expiryWindow() throws {
        let day: Int64 = 24 * 3600 * 1000
        func outcome(_ expires: Int64, _ verifier: EnvelopeVerifier) throws -> EnvelopeError? {
            let entry = try signer.sign(PingBody(), expires: expires)
            return envelopeError { try verifier.verify(entry, now: testNow) }
        }
        #expect(try outcome(testNow - 1, verifier) == .expired)
        #expect(try outcome(0, verifier) == .expired)
        #expect(try outcome(testNow, verifier) == nil)
        #expect(try outcome(testNow + day, verifier) == nil)
        #expect(try outcome(testNow + day + 1, verifier) == .expiryTooFar(maxMillis: day))
        #expect(try outcome(9_007_199_254_740_991, verifier) == .expiryTooFar(maxMillis: day))
        // Beyond 2^53 − 1 an expiry is not I-JSON, so it never reaches the window check.
        #expect(try outcome(Int64.max, verifier)?.code == "invalid_json")
        let strict = EnvelopeVerifier(registry: .ledger, limits: .init(maxValidityMillis: 5_000))
        #expect(try outcome(testNow + 5_000, strict) == nil)
        #expect(try outcome(testNow + 5_001, strict) == .expiryTooFar(maxMillis: 5_000))
    }

    @Test("parse checks everything but the clock")
    func parseIgnoresClock() throws {
        let entry = try signer.sign(PingBody(), expires: 1)
        #expect(envelopeError { try verifier.verify(entry, now: testNow) } == .expired)
        #expect(envelopeError { try verifier.parse(entry) } == nil)
    }

    @Test("nonces outside 16...64 characters of [A-Za-z0-9_-] fail with bad_nonce",
          arguments: [
              "", "short", String(repeating: "a", count: 15), String(repeating: "b", count: 65),
              "has a space in it!", "plus+is+not+allowed+", "slash/is/not/allowed", "padding=is=not=ok==",
              "non-ascii-\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}", "dot.is.not.allowed.x", "newline\nnot-allowed-",
          ])
    func badNonce(nonce: String) throws {
        let payload = handPayload(signer: signer.payloadKey, nonce: nonce.replacingOccurrences(of: "\n", with: "\\n"))
        let entry = try signer.signPayloadBytes(payload)
        #expect(envelopeError { try verifier.verify(entry, now: testNow) } == .badNonce)
    }

    @Test("nonces of 16 and 64 characters using the whole alphabet are accepted",
          arguments: [
              String(repeating: "a", count: 16), String(repeating: "Z", count: 64),
              "AZaz09-_AZaz09-_", EnvelopeSigner.randomNonce(),
          ])
    func goodNonce(nonce: String) throws {
        let entry = try signer.sign(PingBody(), nonce: nonce, expires: testNow + 1)
        #expect(envelopeError { try verifier.verify(entry, now: testNow) } == nil)
    }

    @Test("random nonces are 22 URL-safe characters and differ")
    func randomNonce() {
        let nonces = (0..<50).map { _ in EnvelopeSigner.randomNonce() }
        #expect(Set(nonces).count == 50)
        for nonce in nonces {
            #expect(nonce.utf8.count == 22)
            #expect(EnvelopeVerifier.isValidNonce(nonce))
            #expect(Base64Coding.decodeURL(nonce)?.count == 16)
        }
    }

    @Test("a validly signed payload of an unregistered type fails with unknown_transaction_type")
    func unknownType() throws {
        let entry = try signer.signPayloadBytes(handPayload(type: "no.such.type", signer: signer.payloadKey))
        #expect(envelopeError { try verifier.verify(entry, now: testNow) } == .unknownTransactionType("no.such.type"))
        let empty = EnvelopeVerifier(registry: TransactionTypeRegistry())
        let ping = try signer.sign(PingBody(), expires: testNow + 1)
        #expect(envelopeError { try empty.verify(ping, now: testNow) } == .unknownTransactionType("ledger.ping"))
    }

    @Test("a DSSE payload type other than the ledger's fails with unsupported_payload_type")
    func unsupportedPayloadType() throws {
        let entry = try signer.signPayloadBytes(handPayload(signer: signer.payloadKey), payloadType: "application/json")
        #expect(envelopeError { try verifier.verify(entry, now: testNow) } == .unsupportedPayloadType("application/json"))
    }

    @Test("bytes that are not DSSE JSON fail with malformed_envelope",
          arguments: [
              "[]", "{}", #"{"payloadType":"application/vnd.medledger.tx+json","payload":"e30="}"#,
              #"{"payloadType":"application/vnd.medledger.tx+json","payload":7,"signatures":[]}"#,
              #"{"payloadType":"application/vnd.medledger.tx+json","payload":"e30=","signatures":[{"keyid":"x"}]}"#,
          ])
    func malformedEnvelope(text: String) {
        // Texts that are not JSON at all are refused by the strict reading first (invalid_json).
        guard case .malformedEnvelope = envelopeError({ try verifier.verify(Array(text.utf8), now: testNow) }) else {
            Issue.record("expected malformed_envelope for \(text)")
            return
        }
    }

    @Test("envelopes with zero or two signatures fail with malformed_envelope")
    func signatureCount() throws {
        let entry = try signer.sign(PingBody(), nonce: fixedNonce, expires: testNow + 1)
        var envelope = try decodeEnvelope(entry)
        let only = envelope.signatures[0]
        envelope.signatures = [only, only]
        #expect(envelopeError { try verifier.verify(envelope.encoded(), now: testNow) }
            == .malformedEnvelope("exactly one signature is required"))
        envelope.signatures = []
        #expect(envelopeError { try verifier.verify(envelope.encoded(), now: testNow) }
            == .malformedEnvelope("exactly one signature is required"))
    }

    @Test("a payload that is not canonical standard base64 fails with malformed_envelope")
    func payloadEncoding() throws {
        let payload = handPayload(signer: signer.payloadKey)
        let standard = Base64Coding.standard(payload)
        for text in [Base64Coding.url(payload), " " + standard, standard + "\n", "@@@@"] where text != standard {
            var envelope = try decodeEnvelope(try signer.signPayloadBytes(payload))
            envelope.payload = text
            #expect(envelopeError { try verifier.verify(envelope.encoded(), now: testNow) }
                == .malformedEnvelope("payload is not standard base64"), "payload text \(text)")
        }
    }

    @Test("payloads that are not transaction JSON fail with malformed_payload naming the problem")
    func malformedPayload() throws {
        let cases: [([UInt8], String)] = [
            (Array(#"{"origin":"\#(testOrigin)","type":"ledger.ping","expires":1,"nonce":"nonce-0123456789abcdef","body":{}}"#.utf8), #"missing field "signer""#),
            (handPayload(signer: signer.payloadKey, expires: #""soon""#), #"wrong type at "expires""#),
            (Array(#"{"origin":"\#(testOrigin)","type":"ledger.ping","signer":"\#(signer.payloadKey)","nonce":5,"expires":1,"body":{}}"#.utf8), #"wrong type at "nonce""#),
        ]
        for (payload, reason) in cases {
            let entry = try signer.signPayloadBytes(payload)
            #expect(envelopeError { try verifier.verify(entry, now: testNow) } == .malformedPayload(reason))
        }
    }

    @Test("expiries beyond 2^53 − 1, and payloads or envelopes that are not JSON at all, are not I-JSON",
          arguments: ["99999999999999999999", "-1e400", "9007199254740992"])
    func unsafeExpiry(expires: String) throws {
        let entry = try signer.signPayloadBytes(handPayload(signer: signer.payloadKey, expires: expires))
        #expect(envelopeError { try verifier.verify(entry, now: testNow) }?.code == "invalid_json")
        let notJSON = try signer.signPayloadBytes(Array("not json".utf8))
        #expect(envelopeError { try verifier.verify(notJSON, now: testNow) } == .invalidJSON("payload: not valid JSON at byte 1"))
        for text in ["", "not json", "{\"payload\":1"] {
            #expect(envelopeError { try verifier.verify(Array(text.utf8), now: testNow) }?.code == "invalid_json", "\(text)")
        }
    }

    @Test("expiries that do not fit an Int64 millisecond count are malformed payloads",
          arguments: ["1.5", "null"])
    func nonIntegerExpiry(expires: String) throws {
        let entry = try signer.signPayloadBytes(handPayload(signer: signer.payloadKey, expires: expires))
        guard case .malformedPayload = envelopeError({ try verifier.verify(entry, now: testNow) }) else {
            Issue.record("expected malformed_payload for expires \(expires)")
            return
        }
    }

    @Test("a signer that is not a base64url uncompressed P-256 point fails with bad_signer")
    func badSigner() throws {
        let key = P256.Signing.PrivateKey()
        let compressed = Base64Coding.url(key.publicKey.compressedRepresentation)
        let padded = key.publicKey.payloadKey + "="
        let standardAlphabet = Base64Coding.standard(key.publicKey.x963Representation)
        let offCurve = Base64Coding.url([0x04] + [UInt8](repeating: 0x01, count: 64))
        for text in ["", "abc", compressed, padded, standardAlphabet, offCurve] {
            let entry = try signer.signPayloadBytes(handPayload(signer: text))
            #expect(envelopeError { try verifier.verify(entry, now: testNow) } == .badSigner, "signer \(text)")
        }
    }

    @Test("envelopes over the size limit fail with envelope_too_large; exactly at the limit is fine")
    func sizeLimit() throws {
        let entry = try signer.sign(PingBody(), expires: testNow + 1)
        // JSON allows trailing whitespace, so padding keeps the envelope valid while changing its size.
        let limit = 32 * 1024
        let atLimit = entry + [UInt8](repeating: 0x20, count: limit - entry.count)
        #expect(envelopeError { try verifier.verify(atLimit, now: testNow) } == nil)
        #expect(envelopeError { try verifier.verify(atLimit + [0x20], now: testNow) } == .tooLarge(limit: limit))
        let small = EnvelopeVerifier(registry: .ledger, limits: .init(maxEnvelopeBytes: entry.count - 1))
        #expect(envelopeError { try small.verify(entry, now: testNow) } == .tooLarge(limit: entry.count - 1))
        // The size check comes first, before any parsing.
        #expect(envelopeError { try small.verify([UInt8](repeating: 0x7B, count: entry.count), now: testNow) }
            == .tooLarge(limit: entry.count - 1))
    }

    @Test("error codes are stable")
    func errorCodes() {
        let cases: [(EnvelopeError, String)] = [
            (.tooLarge(limit: 1), "envelope_too_large"), (.malformedEnvelope(""), "malformed_envelope"),
            (.unsupportedPayloadType(""), "unsupported_payload_type"), (.malformedPayload(""), "malformed_payload"),
            (.badSigner, "bad_signer"), (.keyIDMismatch, "keyid_mismatch"), (.badSignature, "bad_signature"),
            (.badNonce, "bad_nonce"), (.expired, "expired"), (.expiryTooFar(maxMillis: 1), "expiry_too_far"),
            (.unknownTransactionType(""), "unknown_transaction_type"), (.invalidBody(""), "invalid_body"),
            (.replayed, "replayed_nonce"), (.rejected(""), "rejected"),
        ]
        for (error, code) in cases { #expect(error.code == code) }
        #expect(Set(cases.map(\.1)).count == cases.count)
        #expect(EnvelopeError.expiryTooFar(maxMillis: 86_400_000).description.contains("86400 seconds"))
    }

    @Test("the ledger registry knows genesis and ping")
    func registry() {
        #expect(TransactionTypeRegistry.ledger.types == ["ledger.genesis", "ledger.ping"])
        #expect(TransactionTypeRegistry.ledger.contains("ledger.ping"))
        #expect(!TransactionTypeRegistry.ledger.contains("no.such.type"))
        #expect(TransactionTypeRegistry().types.isEmpty)
    }
}

@Suite("genesis body validation")
struct GenesisBodyTests {
    let admin = EnvelopeSigner(key: P256.Signing.PrivateKey())
    let service = EnvelopeSigner(key: P256.Signing.PrivateKey())
    let verifier = EnvelopeVerifier(registry: .ledger)

    func verify(_ body: GenesisBody, signedBy signer: EnvelopeSigner? = nil) throws -> EnvelopeError? {
        let entry = try (signer ?? admin).sign(body, expires: testNow + 1)
        return envelopeError { try verifier.verify(entry, now: testNow) }
    }

    @Test("a genesis signed by the administrator it names verifies")
    func validGenesis() throws {
        let body = GenesisBody(origin: "example.org/log", admin: admin.payloadKey, adminName: "Dr. Admin", service: service.payloadKey)
        let entry = try admin.sign(body, expires: testNow + 1)
        let verified = try verifier.verify(entry, now: testNow)
        #expect(verified.type == "ledger.genesis")
        #expect(verified.body as? GenesisBody == body)
    }

    @Test("a genesis signed by anyone but the named administrator is an invalid body")
    func signerMustBeAdmin() throws {
        let other = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let body = GenesisBody(origin: "example.org/log", admin: admin.payloadKey, adminName: "Admin", service: service.payloadKey)
        #expect(try verify(body, signedBy: other) == .invalidBody("the genesis entry must be signed by the administrator it names"))
    }

    @Test("a genesis with an invalid origin is an invalid body",
          arguments: ["", "has space", "plus+sign", "tab\tin", "nbsp\u{a0}in", "del\u{7f}", String(repeating: "o", count: 256)])
    func badOrigin(origin: String) throws {
        let body = GenesisBody(origin: origin, admin: admin.payloadKey, adminName: "Admin", service: service.payloadKey)
        #expect(try verify(body) == .invalidBody("origin is not a valid log name"))
    }

    @Test("adminName must be 1 to 200 characters after trimming spaces")
    func adminName() throws {
        func body(_ name: String) -> GenesisBody { GenesisBody(origin: "o", admin: admin.payloadKey, adminName: name, service: service.payloadKey) }
        let reason = EnvelopeError.invalidBody("adminName must be 1 to 200 characters")
        #expect(try verify(body("")) == reason)
        #expect(try verify(body("    ")) == reason)
        #expect(try verify(body(String(repeating: "n", count: 201))) == reason)
        #expect(try verify(body(String(repeating: "n", count: 200))) == nil)
        #expect(try verify(body(" A ")) == nil)
    }

    @Test("a genesis must name the node's service key: a P-256 key other than the administrator's")
    func serviceKey() throws {
        let good = GenesisBody(origin: "o", admin: admin.payloadKey, adminName: "Admin", service: service.payloadKey)
        #expect(try verify(good) == nil)
        var same = good
        same.service = admin.payloadKey
        #expect(try verify(same) == .invalidBody("the node's service key must not be the administrator's key"))
        var garbage = good
        garbage.service = "not-a-key"
        #expect(try verify(garbage) == .invalidBody("service must be a base64url uncompressed P-256 public key"))
        let payload = handPayload(
            type: GenesisBody.transactionType, signer: admin.payloadKey,
            body: #"{"origin":"o","admin":"\#(admin.payloadKey)","adminName":"Admin"}"#)
        #expect(envelopeError { try verifier.verify(try admin.signPayloadBytes(payload), now: testNow) } == .invalidBody(#"missing field "service""#))
    }

    @Test("a genesis body missing a field is an invalid body naming the field")
    func missingField() throws {
        let payload = handPayload(
            type: GenesisBody.transactionType, signer: admin.payloadKey,
            body: #"{"origin":"o","admin":"\#(admin.payloadKey)"}"#)
        let entry = try admin.signPayloadBytes(payload)
        #expect(envelopeError { try verifier.verify(entry, now: testNow) } == .invalidBody(#"missing field "adminName""#))
    }
}
