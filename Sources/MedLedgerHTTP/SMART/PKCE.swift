import Crypto
import MedLedgerCore

/// Proof Key for Code Exchange (RFC 7636), S256 only: the app sends base64url(SHA-256(verifier))
/// when asking for a code and the verifier itself when redeeming it, so a stolen code is useless
/// without the verifier the app never sent through the browser.
enum PKCE {
    /// A verifier or S256 challenge: 43 to 128 unreserved characters (challenges are always 43).
    static func isWellFormed(_ value: String) -> Bool {
        (43...128).contains(value.utf8.count)
            && value.utf8.allSatisfy { byte in
                (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2D || byte == 0x2E
                    || byte == 0x5F || byte == 0x7E
            }
    }

    /// True when `verifier` hashes to `challenge`, compared in constant time.
    static func verify(verifier: String, challenge: String) -> Bool {
        guard isWellFormed(verifier) else { return false }
        let computed = Base64Coding.url(Array(SHA256.hash(data: Array(verifier.utf8))))
        return AuthKeyHasher.constantTimeEqual(Array(computed.utf8), Array(challenge.utf8))
    }
}
