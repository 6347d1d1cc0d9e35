import Crypto

/// What an auditor can read from one ledger entry by itself: that its signature holds, who signed
/// it, its transaction type, and every string its body carries (record ids, CIDs, session keys).
/// Tally checks and bundle verification compare these facts with what the audit events claim.
public struct EntryFacts: Sendable {
    public let index: UInt64
    public let leafHash: TreeHash
    public let type: String
    /// The address of the key that signed the envelope (an account, or a session key).
    public let signer: AccountAddress
    /// Every string value in the transaction's body, nested ones included.
    public let bodyStrings: Set<String>
    /// For `session.open`: the address of the session key it delegates to.
    public let delegatedSession: AccountAddress?

    /// Checks the entry's envelope (signature, shape, body rules, the log's `origin`; never the
    /// clock, since stored entries were sequenced in their own time) and reads its facts.
    public static func read(index: UInt64, entry: [UInt8], origin: String) throws(EnvelopeError) -> EntryFacts {
        try read(index: index, entry: entry, verifier: EnvelopeVerifier(registry: ContractEngine.registry, origin: origin))
    }

    /// ``read(index:entry:origin:)`` with a verifier already made for the log.
    public static func read(index: UInt64, entry: [UInt8], verifier: EnvelopeVerifier) throws(EnvelopeError) -> EntryFacts {
        let transaction = try verifier.parse(entry)
        var session: AccountAddress?
        if let open = transaction.body as? OpenSession {
            session = P256.Signing.PublicKey.address(ofPayloadKey: open.sessionKey)
        }
        return EntryFacts(
            index: index, leafHash: transaction.leafHash, type: transaction.type, signer: transaction.signer,
            bodyStrings: EntryBody.strings(inEntry: entry), delegatedSession: session
        )
    }
}
