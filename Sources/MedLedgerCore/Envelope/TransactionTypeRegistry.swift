import Crypto
import Foundation

/// What a transaction body's stateless checks may look at besides the body itself.
public struct PayloadContext: Sendable {
    public let signerKey: P256.Signing.PublicKey
    /// The signer's key as the payload spells it (base64url of the uncompressed point).
    public let signerKeyText: String
    public let signer: AccountAddress

    public init(signerKey: P256.Signing.PublicKey, signerKeyText: String, signer: AccountAddress) {
        self.signerKey = signerKey
        self.signerKeyText = signerKeyText
        self.signer = signer
    }
}

/// The body of one kind of transaction. Contracts add kinds by registering new conforming types.
public protocol TransactionBody: Codable, Sendable {
    /// The `type` string payloads of this kind carry.
    static var transactionType: String { get }
    /// Checks that need no ledger state (shapes, lengths, key formats). Throws a reason a person can read.
    func validate(in context: PayloadContext) throws(BodyValidationError)
}

/// Why a body failed its stateless checks.
public struct BodyValidationError: Error, Sendable, Equatable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// Maps payload `type` strings to body decoders, so new transaction kinds need no ledger change.
public struct TransactionTypeRegistry: Sendable {
    typealias BodyDecoder = @Sendable (any Decoder) throws -> any TransactionBody

    private var decoders: [String: BodyDecoder] = [:]

    /// An empty registry.
    public init() {}

    /// Adds a kind; a second registration of the same type string replaces the first.
    public mutating func register<Body: TransactionBody>(_ body: Body.Type) {
        decoders[Body.transactionType] = { decoder in try Body(from: decoder) }
    }

    /// The registered type strings, sorted.
    public var types: [String] { decoders.keys.sorted() }

    /// True when `type` has a decoder.
    public func contains(_ type: String) -> Bool { decoders[type] != nil }

    /// The body decoder for a registered type; nil when the type is unknown.
    func bodyDecoder(for type: String) -> BodyDecoder? {
        decoders[type]
    }

    /// The ledger's own kinds: ``GenesisBody`` and ``PingBody``.
    public static var ledger: TransactionTypeRegistry {
        var registry = TransactionTypeRegistry()
        registry.register(GenesisBody.self)
        registry.register(PingBody.self)
        return registry
    }
}
