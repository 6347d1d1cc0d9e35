import Crypto
import Foundation

/// The first entry of every ledger: names the log, its first system administrator and the node's
/// service key.
///
/// It is signed by that administrator's own key, so the ledger's root of authority is a key the
/// operator's node never holds. The service key (``NodeServiceKey``) is the one key the node does
/// hold: the contracts accept node-recorded tally checks and operator pings only when it signed
/// them, and since the genesis entry names it, a replay of the ledger knows it too.
public struct GenesisBody: TransactionBody, Equatable {
    public static let transactionType = "ledger.genesis"

    /// The checkpoint origin of this log.
    public var origin: String
    /// Base64url public key of the first system administrator (must be the signer).
    public var admin: String
    /// Name to show for the administrator account.
    public var adminName: String
    /// Base64url public key of the node's service key (``NodeServiceKey``).
    public var service: String

    public init(origin: String, admin: String, adminName: String, service: String) {
        self.origin = origin
        self.admin = admin
        self.adminName = adminName
        self.service = service
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        guard CheckpointOrigin.isValid(origin) else { throw BodyValidationError("origin is not a valid log name") }
        guard admin == context.signerKeyText else {
            throw BodyValidationError("the genesis entry must be signed by the administrator it names")
        }
        let name = adminName.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 200 else { throw BodyValidationError("adminName must be 1 to 200 characters") }
        guard P256.Signing.PublicKey.parsePayloadKey(service) != nil else {
            throw BodyValidationError("service must be a base64url uncompressed P-256 public key")
        }
        guard service != admin else { throw BodyValidationError("the node's service key must not be the administrator's key") }
    }
}

/// A transaction that changes nothing: lets the node's operator (monitors, benchmarks) prove the
/// write path end to end. Only the node's service key may sign one (``BlockBuilder/operatorRefusal(of:state:)``),
/// so nobody else can fill the public ledger with entries that carry no action; its body is empty,
/// and a field in it is refused like any field an action does not read.
public struct PingBody: TransactionBody, Equatable {
    public static let transactionType = "ledger.ping"

    public init() {}

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}
}

