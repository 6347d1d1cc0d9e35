import Crypto

// What each write that carries content claims (``ContentClaim``), in one place: a new action
// that names content adds its line here, and both the contracts' content rule and the node's
// store check follow.

extension CreateRecord {
    public func contentClaims(in state: ContractState, actor: AccountAddress) -> [ContentClaim] {
        [ContentClaim(field: "content", cid: content, owner: patient, record: id)]
    }
}

extension AddDocument {
    public func contentClaims(in state: ContractState, actor: AccountAddress) -> [ContentClaim] {
        [ContentClaim(field: "content", cid: content, owner: actor, record: id)]
    }
}

extension UpdateRecord {
    public func contentClaims(in state: ContractState, actor: AccountAddress) -> [ContentClaim] {
        guard let existing = state.records[record] else { return [] }
        return [ContentClaim(field: "content", cid: content, owner: existing.patient, record: record)]
    }
}

extension RequestAccess {
    public func contentClaims(in state: ContractState, actor: AccountAddress) -> [ContentClaim] {
        [ContentClaim(field: "reason", cid: reason, owner: patient)]
    }
}

extension OpenBreakGlass {
    public func contentClaims(in state: ContractState, actor: AccountAddress) -> [ContentClaim] {
        [ContentClaim(field: "justification", cid: justification, owner: patient)]
    }
}

extension RequestErasure {
    public func contentClaims(in state: ContractState, actor: AccountAddress) -> [ContentClaim] {
        reason.map { [ContentClaim(field: "reason", cid: $0, owner: patient)] } ?? []
    }
}

extension BookAppointment {
    public func contentClaims(in state: ContractState, actor: AccountAddress) -> [ContentClaim] {
        symptoms.map { [ContentClaim(field: "symptoms", cid: $0, owner: actor)] } ?? []
    }
}

extension RegisterPatient {
    public func contentClaims(in state: ContractState, actor: AccountAddress) -> [ContentClaim] {
        profile.map { [ContentClaim(field: "profile", cid: $0, owner: actor)] } ?? []
    }
}

extension RegisterDoctor {
    public func contentClaims(in state: ContractState, actor: AccountAddress) -> [ContentClaim] {
        [ContentClaim(field: "certificate", cid: certificate, owner: actor)]
            + (profile.map { [ContentClaim(field: "profile", cid: $0, owner: actor)] } ?? [])
    }
}

extension AcceptInvitation {
    public func contentClaims(in state: ContractState, actor: AccountAddress) -> [ContentClaim] {
        [("certificate", certificate), ("profile", profile)].compactMap { field, cid in
            cid.map { ContentClaim(field: field, cid: $0, owner: actor) }
        }
    }
}

extension UpdateProfile {
    public func contentClaims(in state: ContractState, actor: AccountAddress) -> [ContentClaim] {
        [ContentClaim(field: "profile", cid: profile, owner: actor)]
    }
}

extension CreateAccount {
    /// The new account's documents are sealed under its own key; the administrator or the
    /// account's own key (at sign-up) uploaded them.
    public func contentClaims(in state: ContractState, actor: AccountAddress) -> [ContentClaim] {
        guard let address = P256.Signing.PublicKey.address(ofPayloadKey: publicKey) else { return [] }
        return [("profile", profile), ("certificate", certificate)].compactMap { field, cid in
            cid.map { ContentClaim(field: field, cid: $0, owner: address, alsoUploadedBy: address) }
        }
    }
}

extension SignOffTrail {
    public func contentClaims(in state: ContractState, actor: AccountAddress) -> [ContentClaim] {
        guard let note, let existing = state.records[record] else { return [] }
        return [ContentClaim(field: "note", cid: note, owner: existing.patient, record: record)]
    }
}
