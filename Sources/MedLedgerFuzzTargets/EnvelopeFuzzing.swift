import MedLedgerCore

/// Drives ``EnvelopeVerifier`` (every contract action registered, the fixture's origin) with
/// submitted envelope bytes, and ``EntryBody`` (which reads stored entries generically) with the
/// same bytes.
public enum EnvelopeFuzzing {
    static let verifier = EnvelopeVerifier(registry: ContractEngine.registry, origin: FuzzFixtures.origin)

    /// Parses `input` as a submitted envelope and checks what an accepted envelope promises.
    public static func check(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        _ = EntryBody.strings(inEntry: input)
        let parsed: VerifiedTransaction
        do {
            parsed = try verifier.parse(input)
        } catch {
            // Every refusal must be describable to the client without trapping.
            _ = (error.code, error.description)
            return
        }
        try accepted(parsed, input: input)
    }

    /// Invariants of an envelope the verifier accepted.
    static func accepted(_ parsed: VerifiedTransaction, input: [UInt8]) throws(FuzzInvariantViolation) {
        try FuzzInvariantViolation.expect(parsed.entry == input, "an accepted entry is stored byte for byte")
        try FuzzInvariantViolation.expect(parsed.leafHash == .leaf(input), "the leaf hash is the entry's")
        try FuzzInvariantViolation.expect(ContractEngine.registry.contains(parsed.type), "an accepted type is registered")
        try FuzzInvariantViolation.expect(parsed.signer == parsed.signerKey.address, "the signer is the key's address")
        try FuzzInvariantViolation.expect((16...64).contains(parsed.nonce.utf8.count), "an accepted nonce is 16 to 64 bytes")
        // Checking the clock only adds expiry refusals to what parsing decided.
        let verified: VerifiedTransaction
        do {
            verified = try verifier.verify(input, now: FuzzFixtures.now)
        } catch {
            switch error {
            case .expired, .expiryTooFar: return
            default: throw FuzzInvariantViolation("verify refused a parsed envelope: \(error.code)")
            }
        }
        try FuzzInvariantViolation.expect(verified.expires == parsed.expires, "verify and parse agree")
    }
}
