extension StateObject {
    /// The CIDs of encrypted content this object names: record versions and sign-off notes,
    /// profiles and certificates, symptoms, reasons, justifications. The contracts' content index
    /// is built from these alone, so a state rebuilt from stored objects and one replayed from the
    /// ledger index the same content.
    public var contentIDs: [String] {
        switch self {
        case .account(let value):
            // Earlier profile versions and a certificate waiting for verification are kept too.
            Array(Set([value.profile, value.certificate, value.erasure?.reason, value.licenceChange?.certificate].compactMap { $0 }
                + (value.profileVersions ?? []).map(\.content))).sorted()
        case .appointment(let value):
            value.symptoms.map { [$0] } ?? []
        case .accessRequest(let value):
            [value.reason]
        case .breakGlass(let value):
            [value.justification]
        case .record(let value):
            value.versions.map(\.content) + (value.signOff?.note.map { [$0] } ?? [])
        case .organization, .grant, .parameters, .session, .ledger, .invitation, .app:
            []
        }
    }
}
