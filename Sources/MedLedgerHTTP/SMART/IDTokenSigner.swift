import Crypto
import Foundation
import MedLedgerCore

/// Signs OpenID Connect id_tokens (compact JWS, ES256) and publishes the public key as a JWK set.
///
/// The key is derived with HKDF-SHA256 from the web secret (`web-secret.key` in the data
/// directory), info `medledger oauth id token key v1`, rather than kept in a file of its own: every
/// node behind one load balancer is already given the same secret, so they all sign with the one
/// key the JWK set names, and no extra file needs copying. ES256 is small enough to write here with
/// swift-crypto (a P-256 signature's raw representation is exactly JWS's `r‖s`).
struct IDTokenSigner: Sendable {
    let key: P256.Signing.PrivateKey

    init(secret: SymmetricKey) {
        let seed = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: secret, salt: Data("medledger".utf8), info: Data("medledger oauth id token key v1".utf8), outputByteCount: 32)
        // A 32-byte HKDF output is a valid scalar except with negligible probability; fall back to a
        // fresh key (tokens then verify against this node's JWK set only) rather than stop.
        key = seed.withUnsafeBytes { (try? P256.Signing.PrivateKey(rawRepresentation: Data($0))) } ?? P256.Signing.PrivateKey()
    }

    /// The key id: base64url of the first 16 bytes of the SHA-256 of the public point.
    var keyID: String {
        Base64Coding.url(Array(SHA256.hash(data: key.publicKey.x963Representation)).prefix(16))
    }

    /// The public key as a JWK set (`jwks_uri`).
    var jwks: [String: [[String: String]]] {
        let point = Array(key.publicKey.x963Representation)
        return ["keys": [[
            "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": keyID,
            "x": Base64Coding.url(point[1..<33]), "y": Base64Coding.url(point[33..<65]),
        ]]]
    }

    /// The id_token: `claims` signed as a compact JWS.
    func sign(_ claims: [String: Any]) throws -> String {
        let header: [String: Any] = ["alg": "ES256", "typ": "JWT", "kid": keyID]
        let encode = { (value: [String: Any]) throws -> String in
            Base64Coding.url(Array(try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])))
        }
        let input = try encode(header) + "." + encode(claims)
        let signature = try key.signature(for: Data(input.utf8))
        return input + "." + Base64Coding.url(Array(signature.rawRepresentation))
    }
}
