import MedLedgerCore
import MedLedgerNode

/// Sign-ups that wait for an administrator to create their account (auditors, hospital
/// management, pharmacies), and their expiry.
///
/// Such a credential holds a username although nobody has vouched for it yet, so it may wait
/// only ``lifetime`` (`serve --pending-signup-days`). Expired ones are removed lazily, where a
/// credential is used: when its username or key is wanted by a new sign-up, when it tries to
/// sign in, and when an administrator's dashboard lists the waiting sign-ups (which removes every
/// expired one). No background sweep is needed: an expired credential can do nothing before it is
/// removed, because every path that could use it removes it first. A credential whose key has an
/// account on the ledger (any status) never expires.
struct PendingSignups: Sendable {
    let credentials: any CredentialStore
    let node: LedgerNode
    /// Milliseconds a sign-up may wait.
    let lifetime: Int64

    /// A waiting sign-up and when it expires.
    struct Waiting: Sendable {
        var credential: Credential
        var expires: Int64
    }

    /// True when `credential` still has no account and its time to wait is over.
    func isExpired(_ credential: Credential, now: Int64) async -> Bool {
        guard credential.awaitingAccountExpired(now: now, lifetime: lifetime) else { return false }
        return await node.account(credential.address) == nil
    }

    /// Removes `credential` when it expired; true when it did.
    @discardableResult
    func removeIfExpired(_ credential: Credential?, now: Int64) async throws -> Bool {
        guard let credential, await isExpired(credential, now: now) else { return false }
        try await credentials.delete(address: credential.address)
        return true
    }

    /// The sign-ups still waiting at `now`, oldest first, with their expiry; the expired ones are
    /// removed on the way. `accounts` holds the ledger's accounts by address.
    func waiting(accounts: [AccountAddress: Account], now: Int64) async throws -> [Waiting] {
        var result: [Waiting] = []
        for credential in try await credentials.all() where accounts[credential.address] == nil {
            if try await removeIfExpired(credential, now: now) { continue }
            result.append(Waiting(credential: credential, expires: credential.awaitingAccountExpires(lifetime: lifetime)))
        }
        return result
    }
}
