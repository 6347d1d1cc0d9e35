import MedLedgerCore

/// Signs the input as a transaction payload with a fixed key and submits the envelope, so the
/// fuzzer explores payload and body decoding instead of stopping at the signature check.
public enum SignedPayloadFuzzing {
    /// Payloads above this cannot fit a 32 KiB envelope once base64-encoded and wrapped.
    static let maxPayloadBytes = 24_000

    /// Wraps `input` in an envelope signed by ``FuzzFixtures/accountKey`` and verifies it.
    public static func check(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        guard input.count <= maxPayloadBytes else { return }
        let envelope: [UInt8]
        do {
            envelope = try FuzzFixtures.signer.signPayloadBytes(input)
        } catch {
            throw FuzzInvariantViolation("signing a payload failed: \(error)")
        }
        let parsed: VerifiedTransaction
        do {
            parsed = try EnvelopeFuzzing.verifier.parse(envelope)
        } catch {
            switch error {
            // The envelope around the payload is ours and well formed. (A key ID mismatch is a
            // legitimate refusal: the payload may name another valid key than the one that signed.)
            case .tooLarge, .malformedEnvelope, .unsupportedPayloadType:
                throw FuzzInvariantViolation("a well-formed envelope around any payload was refused as \(error.code)")
            default:
                _ = error.description
                return
            }
        }
        try FuzzInvariantViolation.expect(parsed.signer == FuzzFixtures.address, "only the fixed key can have signed")
        try EnvelopeFuzzing.accepted(parsed, input: envelope)
    }
}
