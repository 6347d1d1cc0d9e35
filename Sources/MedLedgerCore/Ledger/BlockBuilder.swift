/// Decides which verified transactions enter the next block and seals it with a checkpoint.
///
/// Pure: given the head, the contract state, the candidates, the nonces already in the ledger and
/// the block time, it returns the same block every time. Ledger-level admission rules live here and
/// only here; each admitted transaction then goes through the contracts (``ContractEngine``), whose
/// events and state changes travel with the block so the store writes them in the same transaction.
public struct BlockBuilder: Sendable {
    public let origin: String
    public let signingKey: NoteSigningKey

    public init(origin: String, signingKey: NoteSigningKey) {
        self.origin = origin
        self.signingKey = signingKey
    }

    /// The outcome for each candidate, in order, and the sealed block when any was admitted.
    public struct Result: Sendable {
        public let outcomes: [Swift.Result<Admission, EnvelopeError>]
        public let block: SealedBlock?
    }

    /// Where an admitted transaction landed and what the contracts made of it.
    public struct Admission: Sendable {
        public let index: UInt64
        /// Nil for ledger-level kinds that are not contract actions (pings).
        public let contract: ContractOutcome?
    }

    /// Builds the next block after `head`, applying the contracts to `state`. When this throws,
    /// `state` may hold changes of the unsealed block: reload it from the store.
    public func seal(
        after head: LedgerHead, state: inout ContractState, candidates: [VerifiedTransaction],
        existingNonces: Set<NonceKey>, time: Int64
    ) throws -> Result {
        var frontier = head.frontier
        var seen = existingNonces
        var outcomes: [Swift.Result<Admission, EnvelopeError>] = []
        var events: [AuditEvent] = []
        var entries: [SequencedEntry] = []
        var nodes: [MerkleFrontier.CompletedNode] = []
        let blockTime = max(time, head.checkpoint?.checkpoint.time ?? time)
        for transaction in candidates {
            let index = frontier.size
            if let refusal = Self.refusal(of: transaction, at: index, blockTime: blockTime, seen: seen, origin: origin)
                ?? Self.operatorRefusal(of: transaction, state: state)
            {
                outcomes.append(.failure(refusal))
                continue
            }
            seen.insert(transaction.nonceKey)
            nodes += frontier.append(transaction.leafHash)
            entries.append(SequencedEntry(index: index, transaction: transaction))
            let contract = ContractEngine.apply(transaction, index: index, time: blockTime, to: &state)
            if let contract { events.append(contract.event) }
            outcomes.append(.success(Admission(index: index, contract: contract)))
        }
        guard !entries.isEmpty else { return Result(outcomes: outcomes, block: nil) }
        let previous = head.checkpoint?.checkpoint
        let checkpoint = Checkpoint(
            origin: origin, size: frontier.size, root: frontier.root, time: blockTime,
            previousSize: previous?.size ?? 0, previousHash: previous?.bodyHash ?? Checkpoint.noPrevious
        )
        let note = try signingKey.sign(text: checkpoint.body)
        let block = try SealedBlock(
            entries: entries, nodes: nodes, checkpoint: SignedCheckpoint(checkpoint: checkpoint, note: note), frontier: frontier,
            events: events, changes: state.takeChanges()
        )
        return Result(outcomes: outcomes, block: block)
    }

    /// The ledger's admission rules: no replayed nonce, no expired payload, genesis first and only
    /// first, naming this log's origin. `medledger verify` re-applies them to every stored entry.
    public static func refusal(
        of transaction: VerifiedTransaction, at index: UInt64, blockTime: Int64, seen: Set<NonceKey>, origin: String
    ) -> EnvelopeError? {
        if seen.contains(transaction.nonceKey) { return .replayed }
        if transaction.expires < blockTime { return .expired }
        let isGenesis = transaction.type == GenesisBody.transactionType
        if index == 0 && !isGenesis { return .rejected("The ledger has no genesis entry yet; run `medledger init`.") }
        if index > 0 && isGenesis { return .rejected("The ledger already has a genesis entry.") }
        if let genesis = transaction.body as? GenesisBody, genesis.origin != origin {
            return .rejected("The genesis entry names origin \"\(genesis.origin)\" but this log is \"\(origin)\".")
        }
        return nil
    }

    /// The rule for kinds only the node's operator appends: a `ledger.ping` must be signed by the
    /// node's service key the genesis entry named (``ContractState/ledger``). It needs the state,
    /// so `medledger verify` applies it while replaying the contracts.
    public static func operatorRefusal(of transaction: VerifiedTransaction, state: ContractState) -> EnvelopeError? {
        guard transaction.type == PingBody.transactionType, !state.isNodeService(transaction.signer) else { return nil }
        return .operatorOnly(PingBody.transactionType)
    }
}
