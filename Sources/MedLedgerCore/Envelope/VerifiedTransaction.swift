import Crypto

/// An envelope whose signature, shape and expiry have been checked, ready to be sequenced.
public struct VerifiedTransaction: Sendable {
    /// The envelope exactly as submitted; this is the ledger entry.
    public let entry: [UInt8]
    /// `SHA-256(0x00 || entry)`.
    public let leafHash: TreeHash
    public let type: String
    public let signerKey: P256.Signing.PublicKey
    public let signer: AccountAddress
    public let nonce: String
    /// Unix milliseconds.
    public let expires: Int64
    public let body: any TransactionBody

    /// The replay-protection key.
    public var nonceKey: NonceKey { NonceKey(signer: signer, nonce: nonce) }
}

/// A signer's nonce: each may appear in the ledger once.
public struct NonceKey: Hashable, Sendable {
    public let signer: AccountAddress
    public let nonce: String

    public init(signer: AccountAddress, nonce: String) {
        self.signer = signer
        self.nonce = nonce
    }
}
