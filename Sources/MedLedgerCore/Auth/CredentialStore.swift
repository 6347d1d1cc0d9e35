/// Where sign-in credentials live. Credentials are not ledger data: they hold no health data and no
/// usable key, and losing them loses only the convenience of signing in by password (the key file
/// still works).
public protocol CredentialStore: Sendable {
    /// The credential of `username`, compared without regard to case.
    func credential(username: String) async throws -> Credential?
    /// The credential of the account at `address`.
    func credential(address: AccountAddress) async throws -> Credential?
    /// Adds a credential. Throws ``CredentialStoreError/taken`` when the username or key is in use.
    func insert(_ credential: Credential) async throws
    /// Replaces the credential with the same address (a password change).
    func update(_ credential: Credential) async throws
    /// Removes the credential of `username` (a sign-up whose registration was refused).
    func delete(username: String) async throws
    /// Removes the credential of the key at `address` (a sign-up that expired waiting for an
    /// account). By key rather than name, so a fresh sign-up that took the name meanwhile stays.
    func delete(address: AccountAddress) async throws
    /// Every credential, oldest first (for administrators finding sign-ups that wait for an account).
    func all() async throws -> [Credential]
}

/// Errors of a ``CredentialStore``.
public enum CredentialStoreError: Error, Sendable, Equatable {
    /// The username or the key already has a credential.
    case taken
    case notFound
}
