import MedLedgerCore
/// A ``CredentialStore`` in memory, for tests.
public actor InMemoryCredentialStore: CredentialStore {
    private var credentials: [Credential] = []

    public init() {}

    public func credential(username: String) -> Credential? {
        credentials.first { $0.username.lowercased() == username.lowercased() }
    }

    public func credential(address: AccountAddress) -> Credential? {
        credentials.first { $0.address == address }
    }

    public func insert(_ credential: Credential) throws {
        guard self.credential(username: credential.username) == nil, self.credential(address: credential.address) == nil else {
            throw CredentialStoreError.taken
        }
        credentials.append(credential)
    }

    public func update(_ credential: Credential) throws {
        guard let index = credentials.firstIndex(where: { $0.address == credential.address }) else { throw CredentialStoreError.notFound }
        credentials[index] = credential
    }

    public func delete(username: String) {
        credentials.removeAll { $0.username.lowercased() == username.lowercased() }
    }

    public func delete(address: AccountAddress) {
        credentials.removeAll { $0.address == address }
    }

    public func all() -> [Credential] { credentials }
}
