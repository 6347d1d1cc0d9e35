import Foundation

/// The first entry of every ledger: names the log and its first system administrator.
///
/// It is signed by that administrator's own key, so the ledger's root of authority is a key the
/// operator's node never holds.
public struct GenesisBody: TransactionBody, Equatable {
    public static let transactionType = "ledger.genesis"

    /// The checkpoint origin of this log.
    public var origin: String
    /// Base64url public key of the first system administrator (must be the signer).
    public var admin: String
    /// Name to show for the administrator account.
    public var adminName: String

    public init(origin: String, admin: String, adminName: String) {
        self.origin = origin
        self.admin = admin
        self.adminName = adminName
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        guard CheckpointOrigin.isValid(origin) else { throw BodyValidationError("origin is not a valid log name") }
        guard admin == context.signerKeyText else {
            throw BodyValidationError("the genesis entry must be signed by the administrator it names")
        }
        let name = adminName.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 200 else { throw BodyValidationError("adminName must be 1 to 200 characters") }
    }
}

/// A transaction that changes nothing: lets monitors and benchmarks prove the write path end to end.
public struct PingBody: TransactionBody, Equatable {
    public static let transactionType = "ledger.ping"

    public init() {}

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}
}

