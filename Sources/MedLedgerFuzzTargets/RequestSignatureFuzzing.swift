import MedLedgerCore

/// Drives ``RequestSignature/parse(header:)`` and verification: the `Authorization: MedLedger …`
/// header an upload carries.
public enum RequestSignatureFuzzing {
    /// Server clocks the freshness check is asked about, including both ends of Int64.
    static let clocks: [Int64] = [Int64.min, -1, 0, FuzzFixtures.now, Int64.max]

    /// The method and target seed headers sign (an empty upload).
    public static let method = "POST"
    public static let target = "/v1/blobs?owner=fuzz"

    /// Parses `input` as the header value and verifies it against an empty upload.
    public static func check(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        let text = String(decoding: input, as: UTF8.self)
        guard let signature = RequestSignature.parse(header: text) else { return }
        try FuzzInvariantViolation.expect(RequestSignature.parse(header: signature.header) == signature, "a parsed header re-parses to itself")
        for now in clocks + [signature.time] {
            let fresh = signature.isFresh(now: now)
            if now == signature.time {
                try FuzzInvariantViolation.expect(fresh, "a request signed now is fresh")
            }
        }
        _ = signature.signer
        for now in [FuzzFixtures.now, signature.time] {
            let address: AccountAddress
            do {
                address = try signature.verify(method: method, target: target, bodyDigest: FuzzFixtures.emptyBodyDigest, now: now)
            } catch {
                _ = error.description
                continue
            }
            try FuzzInvariantViolation.expect(signature.signer == address, "a verified request is signed by the key it names")
        }
    }
}
