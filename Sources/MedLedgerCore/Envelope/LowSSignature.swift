/// The canonical form of a P-256 ECDSA signature: `s` at most half the group order.
///
/// For every valid signature `(r, s)` the twin `(r, n − s)` verifies too, so anyone who sees an
/// envelope before it lands could submit its twin first and make the signer's own submission a
/// replay. The ledger therefore accepts only the low-S form, and every MedLedger signer (the CLI, the
/// browser, the node's session reads) normalises before sending; WebCrypto and BoringSSL may return either.
public enum LowSSignature {
    /// The P-256 group order n, big-endian.
    static let order: [UInt8] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
    ]
    /// ⌊n / 2⌋, big-endian.
    static let halfOrder: [UInt8] = [
        0x7F, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xDE, 0x73, 0x7D, 0x56, 0xD3, 0x8B, 0xCF, 0x42, 0x79, 0xDC, 0xE5, 0x61, 0x7E, 0x31, 0x92, 0xA8,
    ]

    /// True when `raw` is a 64-byte `r‖s` signature whose `s` is at most n/2.
    public static func isLowS(_ raw: [UInt8]) -> Bool {
        guard raw.count == 64 else { return false }
        let s = raw[32..<64]
        return s.lexicographicallyPrecedes(halfOrder) || s.elementsEqual(halfOrder)
    }

    /// The low-S form of a 64-byte `r‖s` signature (unchanged when it already is); other lengths
    /// are returned as they are, for the verifier to refuse.
    public static func normalized(_ raw: [UInt8]) -> [UInt8] {
        guard raw.count == 64, !isLowS(raw) else { return raw }
        // s > n/2 and s < n for any signature that verifies, so n − s does not borrow past the top.
        var result = Array(raw[0..<32])
        var difference = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for index in stride(from: 31, through: 0, by: -1) {
            var digit = Int(order[index]) - Int(raw[32 + index]) - borrow
            borrow = digit < 0 ? 1 : 0
            if digit < 0 { digit += 256 }
            difference[index] = UInt8(digit)
        }
        result += difference
        return result
    }
}
