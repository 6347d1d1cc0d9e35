import MedLedgerCore

/// The one place the node acts outside the ledger on what the contracts decided
/// (``ContractEffect``): after the entry is durable, and again at every start for whatever the
/// contract state says must already have happened.
extension LedgerNode {
    /// Carries out the effects of an entry that is already durable, in order. Each effect is
    /// idempotent; should one fail or the process stop, ``enforceErasures()`` completes it at the
    /// next start.
    func carryOut(_ effects: [ContractEffect]) async throws {
        for effect in effects {
            switch effect {
            case .destroyContent(of: let patient):
                try await eraseContent(of: patient)
            }
        }
    }

    /// Destroys an erased patient's content key and removes their stored objects; returns how
    /// many objects were removed. Safe to repeat.
    @discardableResult
    func eraseContent(of patient: AccountAddress) async throws -> Int {
        guard let blobs else { return 0 }
        try await blobs.destroyKey(of: patient)
        var removed = 0
        for object in try await blobs.inventory() where object.owner == patient {
            try await blobs.remove(object.cid)
            removed += 1
        }
        return removed
    }

    /// Makes sure every patient the contracts have erased has no key, so an erasure interrupted
    /// between its ledger entry and the key's destruction completes at start-up. Cheap when there
    /// is nothing to do; objects an interruption left behind are unreadable from then on, and the
    /// content collector removes them (``StoredObject/ownerErased``).
    public func enforceErasures() async throws {
        guard let blobs else { return }
        for patient in await sequencer.erasedPatients() {
            try await blobs.destroyKey(of: patient)
        }
    }
}
