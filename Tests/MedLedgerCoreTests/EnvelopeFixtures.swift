import Crypto
import Foundation
import Testing

@testable import MedLedgerCore

/// Shared clock value for envelope and block tests (Unix milliseconds).
let testNow: Int64 = 1_795_000_000_000

/// A fixed, valid nonce.
let fixedNonce = "nonce-0123456789abcdef"

/// Payload JSON written by hand, so tests can produce shapes the signer would never emit.
func handPayload(
    type: String = PingBody.transactionType, signer: String, nonce: String = fixedNonce,
    expires: String = String(testNow + 60_000), body: String = "{}", origin: String = testOrigin
) -> [UInt8] {
    Array(#"{"body":\#(body),"expires":\#(expires),"nonce":"\#(nonce)","origin":"\#(origin)","signer":"\#(signer)","type":"\#(type)"}"#.utf8)
}

func decodeEnvelope(_ bytes: [UInt8]) throws -> DSSEEnvelope {
    try JSONDecoder().decode(DSSEEnvelope.self, from: Data(bytes))
}

func signPAE(_ key: P256.Signing.PrivateKey, payloadType: String, payload: [UInt8]) throws -> String {
    let pae = DSSEEnvelope.preAuthenticationEncoding(payloadType: payloadType, payload: payload)
    return Base64Coding.standard(LowSSignature.normalized(Array(try key.signature(for: pae).rawRepresentation)))
}

/// Runs `body` and returns the envelope error it throws, or nil when it succeeds.
func envelopeError(_ body: () throws -> VerifiedTransaction) -> EnvelopeError? {
    do {
        _ = try body()
        return nil
    } catch let error as EnvelopeError {
        return error
    } catch {
        Issue.record("expected an EnvelopeError, got \(error)")
        return .rejected("unexpected error type")
    }
}
