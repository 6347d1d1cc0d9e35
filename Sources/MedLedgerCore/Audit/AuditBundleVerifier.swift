import Foundation

/// Checks an ``AuditBundle`` with nothing but public keys: the log's checkpoint key, and the
/// witnesses' cosignature keys with how many of them must have cosigned.
///
/// For every event it proves that the entry is in the log the checkpoint commits to (inclusion
/// proof), that the entry's signature holds, that it was signed by the event's actor or by a session
/// key the actor delegated to in an entry that is also proven, that it is the action the event
/// names and that it names the record. Every version the record holds must be backed by an allowed
/// write whose entry names the version's CID. Each failure says which entry or key it is about.
public struct AuditBundleVerifier: Sendable {
    public let logKey: NoteVerifierKey
    public let witnesses: WitnessPolicy

    public init(logKey: NoteVerifierKey, witnesses: WitnessPolicy = WitnessPolicy(witnesses: [], quorum: 0)) {
        self.logKey = logKey
        self.witnesses = witnesses
    }

    /// Decodes and checks a bundle file.
    public func verify(json: [UInt8]) async -> AuditBundleReport {
        do {
            return await verify(try JSONDecoder().decode(AuditBundle.self, from: Data(json)))
        } catch {
            var report = AuditBundleReport()
            report.failures.append("The file is not an audit bundle: \(EnvelopeVerifier.describe(error)).")
            return report
        }
    }

    /// Checks a decoded bundle.
    public func verify(_ bundle: AuditBundle) async -> AuditBundleReport {
        var report = AuditBundleReport()
        report.record = bundle.record
        report.origin = bundle.origin
        guard bundle.format == AuditBundle.currentFormat else {
            report.failures.append("Unknown bundle format \"\(bundle.format)\"; this verifier reads \(AuditBundle.currentFormat).")
            return report
        }
        guard let checkpoint = checkCheckpoint(bundle, report: &report) else { return report }

        // Delegations first: events signed by session keys need them.
        var sessions: [AccountAddress: (account: AccountAddress, index: UInt64)] = [:]
        for delegation in bundle.delegations {
            switch check(delegation, against: checkpoint) {
            case .failure(let problem):
                report.failures.append("Delegation entry \(delegation.index): \(problem.reason)")
            case .success(let facts):
                guard facts.type == OpenSession.transactionType, let session = facts.delegatedSession else {
                    report.failures.append("Delegation entry \(delegation.index) is a \(facts.type), not a session.open.")
                    continue
                }
                sessions[session] = (facts.signer, facts.index)
                report.delegationsChecked += 1
            }
        }

        // Events: each one independently, spread over the cores (signature checks dominate).
        let items = bundle.events
        let results = await Parallel.map(items) { [self] item -> Result<EntryFacts, EntryProblem> in
            check(item.proven, against: checkpoint)
        }
        var facts: [UInt64: EntryFacts] = [:]
        var previous: UInt64?
        for (item, result) in zip(items, results) {
            let event = item.event
            let name = "Entry \(event.index)"
            if let previous, event.index <= previous {
                report.failures.append("\(name) is out of ledger order (after entry \(previous)).")
            }
            previous = event.index
            if !event.names(record: bundle.record) {
                report.failures.append("\(name): the event is about \(event.record.map { "record \($0)" } ?? "no record"), not record \(bundle.record).")
            }
            if event.time > checkpoint.time {
                report.failures.append("\(name): the event's time is after the checkpoint's.")
            }
            switch result {
            case .failure(let problem):
                report.failures.append("\(name): \(problem.reason)")
                continue
            case .success(let entry):
                if entry.type != event.action {
                    report.failures.append("\(name) is a \(entry.type), but the event says \(event.action).")
                }
                if entry.signer != event.actor {
                    if let session = sessions[entry.signer], session.account == event.actor, session.index < event.index {
                        // Signed with a session key the actor delegated to earlier: a proven delegation.
                    } else {
                        report.failures.append(
                            "\(name) was signed by \(entry.signer), which is neither the event's actor \(event.actor) nor a session key the actor delegated to in this bundle."
                        )
                    }
                }
                if !entry.bodyStrings.contains(bundle.record) {
                    report.failures.append("\(name) does not name record \(bundle.record).")
                }
                facts[event.index] = entry
                report.eventsChecked += 1
            }
        }

        // The stored versions must each be backed by an allowed, proven write that names the CID.
        let events = Dictionary(items.map { ($0.event.index, $0.event) }, uniquingKeysWith: { first, _ in first })
        for version in bundle.versions {
            guard let event = events[version.entry], let entry = facts[version.entry] else {
                report.failures.append("Version \(version.number) names entry \(version.entry), which the bundle does not prove.")
                continue
            }
            if event.outcome != .allowed || !TrailReconciliation.writes.contains(event.action) || event.version != version.number {
                report.failures.append("Entry \(version.entry) does not record the writing of version \(version.number).")
            } else if !entry.bodyStrings.contains(version.content) {
                report.failures.append("Version \(version.number)'s content \(version.content) is not the CID entry \(version.entry) signed.")
            } else {
                report.versionsChecked += 1
            }
        }
        if let deletedAt = bundle.deletedAt {
            if events[deletedAt]?.action != DeleteRecord.transactionType || events[deletedAt]?.outcome != .allowed || facts[deletedAt] == nil {
                report.failures.append("The deletion names entry \(deletedAt), which the bundle does not prove to be an allowed record.delete.")
            }
        }

        report.notes = [
            "Outcomes and messages are the node's decisions under the contracts; `medledger verify` replays the contracts over the whole log to prove them.",
            "A bundle proves that its entries are in the log; that no entry about the record was left out needs the whole log (a monitor, or `medledger verify`).",
        ]
        if witnesses.witnesses.isEmpty {
            report.notes.append("No witness keys were given: the checkpoint is trusted on the log's signature alone, which cannot rule out a fork shown only to you.")
        }
        return report
    }

    /// Checks the checkpoint's signature, origin and cosignatures; nil when it cannot be trusted.
    private func checkCheckpoint(_ bundle: AuditBundle, report: inout AuditBundleReport) -> Checkpoint? {
        let note: SignedNote
        do {
            note = try SignedNote.parse(bundle.checkpoint)
        } catch {
            report.failures.append("The checkpoint is not a signed note: \(error).")
            return nil
        }
        guard logKey.hasSigned(note) else {
            report.failures.append("The checkpoint is not signed by the log key \(logKey.name) (\(Hex.encode(logKey.keyID))).")
            return nil
        }
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint.parse(note.text)
        } catch {
            report.failures.append("The checkpoint's text is not a checkpoint: \(error.description).")
            return nil
        }
        report.checkpointSize = checkpoint.size
        report.checkpointTime = checkpoint.time
        report.root = Base64Coding.standard(checkpoint.root.bytes)
        if checkpoint.origin != bundle.origin {
            report.failures.append("The checkpoint is for log \(checkpoint.origin), but the bundle says \(bundle.origin).")
        }
        let cosigners = witnesses.cosigners(of: note)
        report.cosignedBy = cosigners.map(\.name)
        for witness in witnesses.witnesses where !cosigners.contains(witness) {
            report.notes.append("Witness \(witness.name) did not cosign this checkpoint.")
        }
        if !witnesses.isSatisfied(by: note) {
            report.failures.append(
                "The checkpoint has \(cosigners.count) valid witness cosignature(s); \(witnesses.quorum) of the \(witnesses.witnesses.count) given witnesses are required."
            )
        }
        return checkpoint
    }

    /// Proves one entry: in range, decodable, its inclusion proof leading to the root, its envelope valid.
    private func check(_ proven: AuditBundle.ProvenEntry, against checkpoint: Checkpoint) -> Result<EntryFacts, EntryProblem> {
        guard proven.index < checkpoint.size else {
            return .failure(EntryProblem("it is beyond the checkpoint (size \(checkpoint.size))."))
        }
        guard let entry = Base64Coding.decodeStandard(proven.entry) else { return .failure(EntryProblem("the entry is not base64.")) }
        var path: [TreeHash] = []
        for text in proven.proof {
            guard let bytes = Base64Coding.decodeStandard(text), let hash = TreeHash(bytes) else {
                return .failure(EntryProblem("a proof hash is not 32 bytes of base64."))
            }
            path.append(hash)
        }
        guard MerkleProofVerifier.verifyInclusion(leaf: .leaf(entry), index: proven.index, size: checkpoint.size, proof: path, root: checkpoint.root)
        else {
            return .failure(EntryProblem("its inclusion proof does not lead to the checkpoint's root: the entry or the proof was altered, or the log was rewritten."))
        }
        do {
            return .success(try EntryFacts.read(index: proven.index, entry: entry, origin: checkpoint.origin))
        } catch {
            return .failure(EntryProblem("its envelope does not verify (\(error))."))
        }
    }

}

/// Why one proven entry does not hold.
struct EntryProblem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
