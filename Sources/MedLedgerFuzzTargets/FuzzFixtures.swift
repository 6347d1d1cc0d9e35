import Crypto
import MedLedgerCore

/// Fixed keys and times the targets and their seeds share, so seeds made once keep verifying and
/// the fuzzer can reach the code behind a signature check by mutating a validly signed input.
///
/// These keys protect nothing: they exist only for fuzzing.
public enum FuzzFixtures {
    /// The clock the targets verify against (Unix milliseconds, late 2026).
    public static let now: Int64 = 1_795_000_000_000

    /// The account key that signs seed envelopes and request signatures.
    public static let accountKey: P256.Signing.PrivateKey = {
        // 32 bytes of 0x11 is a valid P-256 scalar (non-zero, below the group order).
        do {
            return try P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0x11, count: 32))
        } catch {
            fatalError("the fixed fuzzing key is not a P-256 scalar: \(error)")
        }
    }()

    /// The signer of seed envelopes.
    public static let signer = EnvelopeSigner(key: accountKey, origin: origin)

    /// The account address of ``accountKey``.
    public static let address = signer.address

    /// The log's origin in seed checkpoints.
    public static let origin = "medledger.example/fuzz"

    /// The log key that signs seed checkpoints.
    public static let logKey: NoteSigningKey = {
        // Any 32 bytes are an Ed25519 seed.
        do {
            return NoteSigningKey(name: origin, privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0x33, count: 32)))
        } catch {
            fatalError("the fixed fuzzing log key is not an Ed25519 seed: \(error)")
        }
    }()

    /// The log's verifier key, as clients configure it.
    public static let logVerifierKey = logKey.verifierKey

    /// The witness key that cosigns seed checkpoints.
    public static let witnessKey: CosignerKey = {
        do {
            return CosignerKey(name: "witness.example/fuzz", privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0x44, count: 32)))
        } catch {
            fatalError("the fixed fuzzing witness key is not an Ed25519 seed: \(error)")
        }
    }()

    /// The witness's verifier key, as logs and clients configure it.
    public static let witnessVerifierKey = witnessKey.verifierKey

    /// The patient key that seals seed content objects.
    public static let patientKey = SymmetricKey(data: [UInt8](repeating: 0x22, count: 32))

    /// The hex SHA-256 of an empty body, as request signatures over an empty upload sign it.
    public static let emptyBodyDigest = Hex.encode(Array(SHA256.hash(data: [UInt8]())))
}
