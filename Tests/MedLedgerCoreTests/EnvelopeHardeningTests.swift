import Crypto
import Foundation
import Testing

@testable import MedLedgerCore

/// What admission refuses beyond a valid signature: texts with two meanings, hidden fields, the
/// malleated twin of a signature, and envelopes signed for another ledger.
@Suite("envelope hardening")
struct EnvelopeHardeningTests {
    let signer = EnvelopeSigner(key: P256.Signing.PrivateKey())
    let verifier = EnvelopeVerifier(registry: ContractEngine.registry)
    let cid = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"

    private func payload(type: String, body: String, origin: String = testOrigin, extra: String = "") -> [UInt8] {
        Array(#"{"body":\#(body),"expires":\#(testNow + 60_000),"nonce":"\#(fixedNonce)","origin":"\#(origin)","signer":"\#(signer.payloadKey)","type":"\#(type)"\#(extra)}"#.utf8)
    }

    private func recordBody(_ inner: String) -> String {
        #"{"category":"visit_notes","content":"\#(cid)","id":"rec-1",\#(inner)"patient":"\#(signer.address.rawValue)"}"#
    }

    @Test("a well-formed record.create is admitted, so the refusals below are about what they change")
    func wellFormedAdmitted() throws {
        let entry = try signer.signPayloadBytes(payload(type: CreateRecord.transactionType, body: recordBody("")))
        let verified = try verifier.verify(entry, now: testNow)
        #expect((verified.body as? CreateRecord)?.content == cid)
    }

    @Test("a record.create with two ids or two contents is refused as invalid_json")
    func duplicateKeysRefused() throws {
        for inner in [#""id":"rec-2","#, #""content":"bafkreiother","#] {
            let entry = try signer.signPayloadBytes(payload(type: CreateRecord.transactionType, body: recordBody(inner)))
            let error = envelopeError { try verifier.verify(entry, now: testNow) }
            #expect(error?.code == "invalid_json", "\(inner)")
        }
    }

    @Test("a duplicate key in the envelope itself is refused")
    func duplicateEnvelopeKey() throws {
        let entry = try signer.sign(PingBody(), nonce: fixedNonce, expires: testNow + 60_000)
        var text = String(decoding: entry, as: UTF8.self)
        text.insert(contentsOf: #""payloadType":"x","#, at: text.index(after: text.startIndex))
        #expect(envelopeError { try verifier.verify(Array(text.utf8), now: testNow) }?.code == "invalid_json")
    }

    @Test("lone surrogates and unsafe integers in a payload are refused",
          arguments: [#"{"category":"visit_notes","content":"\ud800","id":"r","patient":"p"}"#, #"{"n":9007199254740993}"#])
    func payloadNotIJSON(body: String) throws {
        let entry = try signer.signPayloadBytes(payload(type: CreateRecord.transactionType, body: body))
        #expect(envelopeError { try verifier.verify(entry, now: testNow) }?.code == "invalid_json")
    }

    @Test("a body field the action does not read is refused, nested or at the top")
    func unknownBodyField() throws {
        let entry = try signer.signPayloadBytes(payload(type: CreateRecord.transactionType, body: recordBody(#""note":"hidden","#)))
        #expect(envelopeError { try verifier.verify(entry, now: testNow) } == .unknownField("body", #"body."note""#))
        let ping = try signer.signPayloadBytes(payload(type: PingBody.transactionType, body: #"{"padding":"xxxxxxxx"}"#))
        #expect(envelopeError { try verifier.verify(ping, now: testNow) } == .unknownField("body", #"body."padding""#))
    }

    @Test("the order of a body's fields does not matter")
    func memberOrderIrrelevant() throws {
        let body = #"{"content":"\#(cid)","patient":"\#(signer.address.rawValue)","id":"rec-1","category":"visit_notes"}"#
        let entry = try signer.signPayloadBytes(payload(type: CreateRecord.transactionType, body: body))
        _ = try verifier.verify(entry, now: testNow)
    }

    @Test("a payload or envelope member nobody reads is refused")
    func unknownPayloadAndEnvelopeMembers() throws {
        let entry = try signer.signPayloadBytes(payload(type: PingBody.transactionType, body: "{}", extra: #","memo":"hi""#))
        #expect(envelopeError { try verifier.verify(entry, now: testNow) } == .unknownField("payload", #""memo""#))
        let good = try signer.sign(PingBody(), nonce: fixedNonce, expires: testNow + 60_000)
        var text = String(decoding: good, as: UTF8.self)
        text.removeLast()
        text += #","extra":[1,2,3]}"#
        #expect(envelopeError { try verifier.verify(Array(text.utf8), now: testNow) } == .unknownField("envelope", #""extra""#))
    }

    @Test("an envelope signed for another ledger is refused; one naming no ledger is malformed")
    func originBinding() throws {
        let other = try signer.signPayloadBytes(payload(type: PingBody.transactionType, body: "{}", origin: "other.example/log"))
        #expect(envelopeError { try verifier.verify(other, now: testNow) } == .wrongOrigin(expected: testOrigin))
        let elsewhere = EnvelopeSigner(key: signer.key, origin: "other.example/log")
        let signedElsewhere = try elsewhere.sign(PingBody(), expires: testNow + 60_000)
        #expect(envelopeError { try verifier.verify(signedElsewhere, now: testNow) }?.code == "wrong_origin")
        let none = try signer.signPayloadBytes(Array(#"{"body":{},"expires":\#(testNow + 60_000),"nonce":"\#(fixedNonce)","signer":"\#(signer.payloadKey)","type":"ledger.ping"}"#.utf8))
        #expect(envelopeError { try verifier.verify(none, now: testNow) } == .malformedPayload(#"missing field "origin""#))
    }

    @Test("the high-S twin of a valid signature is refused; the low-S original verifies")
    func highSRefused() throws {
        let entry = try signer.sign(PingBody(), nonce: fixedNonce, expires: testNow + 60_000)
        var envelope = try DSSEEnvelope.read(entry)
        let low = try #require(Base64Coding.decodeStandard(envelope.signatures[0].sig))
        #expect(LowSSignature.isLowS(low))
        let high = Array(low[0..<32]) + subtract(LowSSignature.order, Array(low[32..<64]))
        #expect(!LowSSignature.isLowS(high))
        // The twin is a valid ECDSA signature: only the low-S rule refuses it.
        let pae = DSSEEnvelope.preAuthenticationEncoding(payloadType: envelope.payloadType, payload: try #require(Base64Coding.decodeStandard(envelope.payload)))
        #expect(signer.key.publicKey.isValidSignature(try P256.Signing.ECDSASignature(rawRepresentation: high), for: pae))
        envelope.signatures[0].sig = Base64Coding.standard(high)
        #expect(envelopeError { try verifier.verify(envelope.encoded(), now: testNow) } == .nonCanonicalSignature)
        _ = try verifier.verify(entry, now: testNow)
    }

    @Test("normalising gives n − s for high S and keeps low S; it is its own inverse on the low half")
    func normalisation() throws {
        for _ in 0..<64 {
            let raw = Array(try signer.key.signature(for: Array("m".utf8)).rawRepresentation)
            let normal = LowSSignature.normalized(raw)
            #expect(LowSSignature.isLowS(normal))
            #expect(normal[0..<32] == raw[0..<32])
            if LowSSignature.isLowS(raw) { #expect(normal == raw) } else { #expect(Array(normal[32...]) == subtract(LowSSignature.order, Array(raw[32...]))) }
            #expect(signer.key.publicKey.isValidSignature(try P256.Signing.ECDSASignature(rawRepresentation: normal), for: Array("m".utf8)))
        }
        #expect(LowSSignature.isLowS(Array(repeating: 0, count: 32) + LowSSignature.halfOrder))
        var justAbove = LowSSignature.halfOrder
        justAbove[31] += 1
        #expect(!LowSSignature.isLowS(Array(repeating: 0, count: 32) + justAbove))
        #expect(!LowSSignature.isLowS(Array(repeating: 0, count: 63)))
    }

    @Test("request signatures: high S is refused, and signing produces low S")
    func requestSignaturesLowS() throws {
        for _ in 0..<16 {
            let signed = try RequestSignature.sign(method: "POST", target: "/v1/blobs?owner=x", time: testNow, body: [1, 2], with: signer.key)
            let raw = try #require(Base64Coding.decodeURL(signed.signature))
            #expect(LowSSignature.isLowS(raw))
            _ = try signed.verify(method: "POST", target: "/v1/blobs?owner=x", body: [1, 2], now: testNow)
            let twin = RequestSignature(key: signed.key, time: signed.time, signature: Base64Coding.url(Array(raw[0..<32]) + subtract(LowSSignature.order, Array(raw[32...]))))
            #expect(throws: RequestSignatureError.badSignature) {
                try twin.verify(method: "POST", target: "/v1/blobs?owner=x", body: [1, 2], now: testNow)
            }
        }
    }

    @Test("a request signature's time is compared without overflow, whatever number it carries",
          arguments: [Int64.min, Int64.min + 1, Int64.max, -1, 0])
    func requestTimeExtremes(time: Int64) {
        let header = #"MedLedger key="x", time="\#(time)", sig="x""#
        let parsed = RequestSignature.parse(header: header)
        #expect(parsed?.isFresh(now: testNow) == false)
        #expect(parsed?.isFresh(now: Int64.min) == (time == Int64.min || time == Int64.min + 1))
        #expect(throws: RequestSignatureError.stale) {
            try parsed?.verify(method: "POST", target: "/", body: [], now: testNow)
        }
    }

    /// a − b for 32-byte big-endian numbers with a ≥ b.
    private func subtract(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for index in stride(from: 31, through: 0, by: -1) {
            var digit = Int(a[index]) - Int(b[index]) - borrow
            borrow = digit < 0 ? 1 : 0
            if digit < 0 { digit += 256 }
            out[index] = UInt8(digit)
        }
        return out
    }
}
