import GRDB
import MedLedgerCore

/// One row of `credential`.
struct CredentialRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "credential"

    var username: String
    var address: String
    var publicKey: String
    var role: String
    var salt: String
    var iterations: Int
    var wrappedKey: String
    var authHash: [UInt8]
    var authSalt: [UInt8]
    var createdAt: Int64
    var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case username, address, role, salt, iterations
        case publicKey = "public_key"
        case wrappedKey = "wrapped_key"
        case authHash = "auth_hash"
        case authSalt = "auth_salt"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    init(_ credential: Credential) {
        username = credential.username
        address = credential.address.rawValue
        publicKey = credential.publicKey
        role = credential.role.rawValue
        salt = credential.salt
        iterations = credential.iterations
        wrappedKey = credential.wrappedKey
        authHash = credential.authHash
        authSalt = credential.authSalt
        createdAt = credential.createdAt
        updatedAt = credential.updatedAt
    }

    func credential() throws -> Credential {
        guard let address = AccountAddress(address), let role = Role(rawValue: role) else {
            throw LedgerStoreError.corrupt("credential of \(username) is malformed")
        }
        return Credential(
            username: username, address: address, publicKey: publicKey, role: role, salt: salt, iterations: iterations,
            wrappedKey: wrappedKey, authHash: authHash, authSalt: authSalt, createdAt: createdAt, updatedAt: updatedAt
        )
    }
}
