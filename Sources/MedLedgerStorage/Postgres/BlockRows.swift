import MedLedgerCore
import PostgresNIO

/// A sealed block as column arrays, ready for the set-based inserts of
/// ``PostgresLedgerStore/append(_:)``, encoded before the transaction starts.
struct BlockRows: Sendable {
    let entryCount: Int
    let entryIndexes, envelopes, types, signers, nonces, nonceKeys: PostgresColumn
    let nodeLevels, nodeIndexes, nodeHashes: PostgresColumn
    let documentCount: Int
    let documentKinds, documentIDs, documents: PostgresColumn
    let events: AuditEventColumns
    let size: Int64
    let time: Int64
    let note: String

    init(_ block: SealedBlock) throws {
        var seen = Set<NonceKey>()
        for sequenced in block.entries {
            // A nonce twice in one block is a replay as much as one already stored.
            guard seen.insert(sequenced.transaction.nonceKey).inserted else { throw LedgerStoreError.replayedNonce }
        }
        let transactions = block.entries.map(\.transaction)
        entryCount = block.entries.count
        entryIndexes = .int64(block.entries.map { Int64($0.index) })
        envelopes = .bytes(transactions.map(\.entry))
        types = .text(transactions.map(\.type))
        signers = .text(transactions.map(\.signer.rawValue))
        nonces = .text(transactions.map(\.nonce))
        nonceKeys = .int64(transactions.map { SQLiteLedgerStore.nonceKey($0.nonceKey) })
        // Leaves (level 0) first, then the nodes the block completed.
        nodeLevels = .int64(Array(repeating: 0, count: block.entries.count) + block.nodes.map { Int64($0.id.level) })
        nodeIndexes = .int64(block.entries.map { Int64($0.index) } + block.nodes.map { Int64($0.id.index) })
        nodeHashes = .bytes(transactions.map(\.leafHash.bytes) + block.nodes.map(\.hash.bytes))
        // One row per object, its last document winning, as successive upserts would leave it.
        var latest: [StateKey: Int] = [:]
        for (position, document) in block.documents.enumerated() { latest[document.key] = position }
        let kept = block.documents.enumerated().filter { latest[$0.element.key] == $0.offset }.map(\.element)
        documentCount = kept.count
        documentKinds = .text(kept.map(\.key.kind.rawValue))
        documentIDs = .text(kept.map(\.key.id))
        documents = .bytes(kept.map(\.bytes))
        events = try AuditEventColumns(block.events)
        size = Int64(block.checkpoint.checkpoint.size)
        time = block.checkpoint.checkpoint.time
        note = block.checkpoint.note.serialized
    }
}
