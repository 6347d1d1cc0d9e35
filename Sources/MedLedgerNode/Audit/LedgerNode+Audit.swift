import MedLedgerCore

/// The auditor's tools on the node's side: a record's whole trail, the tally check (ledger, state
/// and content store must agree) and offline audit bundles. docs/AUDIT.md describes them.
extension LedgerNode {
    /// Every audit event about `record` in entries below `size`, in ledger order.
    public func recordTrail(_ record: String, below size: UInt64) async throws -> [AuditEvent] {
        var events: [AuditEvent] = []
        var after: UInt64?
        while true {
            let page = try await store.events(AuditQuery(record: record, after: after, limit: AuditQuery.maxLimit))
            events += page.filter { $0.index < size }
            guard page.count == AuditQuery.maxLimit, let last = page.last, last.index < size else { return events }
            after = last.index
        }
    }

    /// Inclusion proofs of several entries in the tree of `size` entries, with one store read for
    /// every hash they need.
    public func inclusionProofs(indexes: [UInt64], size: UInt64) async throws -> [[TreeHash]] {
        guard size <= self.size, indexes.allSatisfy({ $0 < size }) else { throw LedgerNodeError.outOfRange }
        let rangesPerProof = indexes.map { MerkleMath.inclusionRanges(index: $0, size: size) }
        let folded = try await hashes(of: rangesPerProof.flatMap { $0 })
        var offset = 0
        return rangesPerProof.map { ranges in
            defer { offset += ranges.count }
            return Array(folded[offset..<(offset + ranges.count)])
        }
    }

    /// The stored record `id` as the current state holds it.
    public func record(_ id: String) async -> MedicalRecord? {
        await sequencer.record(id)
    }

    /// Runs the tally check of `id` against the latest checkpoint. The trail is checked exactly as
    /// an auditor checks it offline: the node builds the record's audit bundle and runs Core's
    /// ``AuditBundleVerifier`` on it (every entry present, proven in the log, signed by the actor or
    /// a session delegated before the event, the action the event says, naming the record; every
    /// version backed by an allowed write naming its CID). On top, what only the node can see: the
    /// stored state against the trail, and the content store.
    public func tally(record id: String) async throws -> TallyReport {
        guard let checkpoint else { throw LedgerNodeError.outOfRange }
        let size = checkpoint.checkpoint.size
        guard let record = await sequencer.record(id) else { throw AuditError.noSuchRecord(id) }
        let (bundle, trail, missing) = try await provenTrail(record: id, checkpoint: checkpoint)
        var found = TrailReconciliation.discrepancies(record: record, trail: trail)
        found += missing.map { "Entry \($0), on the record's trail, is missing from the ledger." }

        // The state's current version must be the one the ledger's last write made.
        if let lastWrite = trail.last(where: { $0.outcome == .allowed && TrailReconciliation.writes.contains($0.action) }),
            let version = lastWrite.version, version != record.current.number
        {
            found.append("The stored record is at version \(record.current.number), but the ledger's last write (entry \(lastWrite.index)) made version \(version).")
        }
        found += await AuditBundleVerifier(logKey: verifierKey).verify(bundle).failures
        if let blobs {
            found += await ContentTally.discrepancies(record: record, blobs: blobs)
        }
        return TallyReport(
            record: id, patient: record.patient, checkpointSize: size, root: Base64Coding.standard(checkpoint.checkpoint.root.bytes),
            events: trail.count, versions: record.versions.count, discrepancies: found
        )
    }

    /// Runs the tally check of `id` for `auditor` and records its result on the ledger in an
    /// `audit.tally` entry signed with the node's service key, so the result is the node's, never
    /// a client's. The entry holds counts and the checkpoint size only. Returns the report and the
    /// entry's receipt; the contracts may still deny the entry (no covering grant), which the
    /// receipt's outcome says and the ledger records.
    public func recordTally(record id: String, for auditor: AccountAddress) async throws -> (report: TallyReport, receipt: Receipt) {
        let report = try await tally(record: id)
        let envelope = try service.sign(RecordTally(report: report, auditor: auditor), expires: clock() + 60_000)
        return (report, try await submit(envelope))
    }

    /// An offline audit bundle of `id`'s trail, proven against `checkpoint` (by default the latest;
    /// pass the newest cosigned one so the bundle carries the witnesses' cosignatures).
    public func auditBundle(record id: String, checkpoint given: SignedCheckpoint? = nil) async throws -> AuditBundle {
        guard let checkpoint = given ?? checkpoint else { throw LedgerNodeError.outOfRange }
        let (bundle, _, missing) = try await provenTrail(record: id, checkpoint: checkpoint)
        if let index = missing.first { throw AuditError.problem("entry \(index) is missing from the ledger") }
        return bundle
    }

    /// The record's trail proven against `checkpoint`: a bundle of the entries the store still
    /// has, the whole trail, and the indexes of trail events whose entries the store has lost.
    func provenTrail(
        record id: String, checkpoint: SignedCheckpoint
    ) async throws -> (bundle: AuditBundle, trail: [AuditEvent], missing: [UInt64]) {
        let size = checkpoint.checkpoint.size
        let record = await sequencer.record(id)
        let trail = try await recordTrail(id, below: size)
        let stored = Dictionary(try await store.entries(at: trail.map(\.index)).map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
        var delegationIndexes: Set<UInt64> = []
        var events: [(AuditEvent, StoredEntry)] = []
        var missing: [UInt64] = []
        for event in trail {
            guard let entry = stored[event.index] else {
                missing.append(event.index)
                continue
            }
            events.append((event, entry))
            if entry.signer != event.actor.rawValue, let key = AccountAddress(entry.signer),
                let session = await sequencer.session(key), session.account == event.actor, session.createdAt < size
            {
                delegationIndexes.insert(session.createdAt)
            }
        }
        let delegations = delegationIndexes.sorted()
        let delegationEntries = try await store.entries(at: delegations)
        let proofs = try await inclusionProofs(indexes: events.map(\.0.index) + delegationEntries.map(\.index), size: size)
        let provenEvents = zip(events, proofs).map { pair, proof in AuditBundle.ProvenEvent(event: pair.0, entry: pair.1.entry, proof: proof) }
        let provenDelegations = zip(delegationEntries, proofs.dropFirst(events.count)).map { entry, proof in
            AuditBundle.ProvenEntry(index: entry.index, entry: entry.entry, proof: proof)
        }
        let bundle = AuditBundle(
            origin: checkpoint.checkpoint.origin, record: id, patient: record?.patient, exportedAt: clock(),
            checkpoint: checkpoint.note.serialized, events: provenEvents, delegations: provenDelegations,
            versions: record?.versions.filter { $0.entry < size } ?? [], deletedAt: record?.deleted.flatMap { $0.entry < size ? $0.entry : nil }
        )
        return (bundle, trail, missing)
    }
}

/// Why an audit tool could not run, or one problem it found.
public enum AuditError: Error, Sendable, CustomStringConvertible {
    case noSuchRecord(String)
    case problem(String)

    public var description: String {
        switch self {
        case .noSuchRecord(let id): "The stored state has no record \(id)."
        case .problem(let text): text
        }
    }
}
