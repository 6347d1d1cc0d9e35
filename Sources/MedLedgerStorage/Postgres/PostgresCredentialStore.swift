import Foundation
import Logging
import MedLedgerCore
import NIOCore
import PostgresNIO

/// Keeps sign-in credentials in the shared PostgreSQL database, so a user signs in on any node.
/// Each method is one statement. Usernames are unique without regard to case (a unique index on
/// `lower(username)`), as in the embedded store.
public struct PostgresCredentialStore: CredentialStore {
    let database: PostgresDatabase

    public init(database: PostgresDatabase) {
        self.database = database
    }

    private var logger: Logger { database.logger }

    private static let columns =
        "username, address, public_key, role, salt, iterations, wrapped_key, auth_hash, auth_salt, created_at, updated_at"

    public func credential(username: String) async throws -> Credential? {
        try await fetch(
            PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM credential WHERE lower(username) = lower($1)", binds: Self.binds(username))
        ).first
    }

    public func credential(address: AccountAddress) async throws -> Credential? {
        try await fetch(
            PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM credential WHERE address = $1", binds: Self.binds(address.rawValue))
        ).first
    }

    public func insert(_ credential: Credential) async throws {
        do {
            try await database.query(
                """
                INSERT INTO credential (username, address, public_key, role, salt, iterations, wrapped_key, auth_hash, auth_salt,
                    created_at, updated_at)
                VALUES (\(credential.username), \(credential.address.rawValue), \(credential.publicKey), \(credential.role.rawValue),
                    \(credential.salt), \(Int64(credential.iterations)), \(credential.wrappedKey), \(ByteBuffer(bytes: credential.authHash)),
                    \(ByteBuffer(bytes: credential.authSalt)), \(credential.createdAt), \(credential.updatedAt))
                """, logger: logger)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw CredentialStoreError.taken
        }
    }

    /// Replaces everything but the username, which stays as it was signed up.
    public func update(_ credential: Credential) async throws {
        let rows = try await database.query(
            """
            UPDATE credential SET public_key = \(credential.publicKey), role = \(credential.role.rawValue), salt = \(credential.salt),
                iterations = \(Int64(credential.iterations)), wrapped_key = \(credential.wrappedKey),
                auth_hash = \(ByteBuffer(bytes: credential.authHash)), auth_salt = \(ByteBuffer(bytes: credential.authSalt)),
                created_at = \(credential.createdAt), updated_at = \(credential.updatedAt)
            WHERE address = \(credential.address.rawValue)
            RETURNING 1
            """, logger: logger)
        var updated = false
        for try await _ in rows.decode(Int32.self) { updated = true }
        guard updated else { throw CredentialStoreError.notFound }
    }

    public func delete(username: String) async throws {
        try await database.query("DELETE FROM credential WHERE lower(username) = lower(\(username))", logger: logger)
    }

    public func delete(address: AccountAddress) async throws {
        try await database.query("DELETE FROM credential WHERE address = \(address.rawValue)", logger: logger)
    }

    public func all() async throws -> [Credential] {
        try await fetch(PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM credential ORDER BY created_at, lower(username)"))
    }

    private func fetch(_ query: PostgresQuery) async throws -> [Credential] {
        let rows = try await database.query(query, logger: logger)
        var found: [Credential] = []
        for try await row in rows { found.append(try Self.credential(row)) }
        return found
    }

    static func credential(_ row: PostgresRow) throws -> Credential {
        let cells = row.makeRandomAccess()
        let username = (try? cells[0].decode(String.self)) ?? "?"
        do {
            guard let address = AccountAddress(try cells[1].decode(String.self)),
                let role = Role(rawValue: try cells[3].decode(String.self))
            else { throw LedgerStoreError.corrupt("credential of \(username) is malformed") }
            return Credential(
                username: username, address: address, publicKey: try cells[2].decode(String.self), role: role,
                salt: try cells[4].decode(String.self), iterations: Int(try cells[5].decode(Int64.self)),
                wrappedKey: try cells[6].decode(String.self),
                authHash: Array(try cells[7].decode(ByteBuffer.self).readableBytesView),
                authSalt: Array(try cells[8].decode(ByteBuffer.self).readableBytesView),
                createdAt: try cells[9].decode(Int64.self), updatedAt: try cells[10].decode(Int64.self))
        } catch let error as LedgerStoreError {
            throw error
        } catch {
            throw LedgerStoreError.corrupt("credential of \(username) is malformed")
        }
    }

    private static func binds(_ value: String) -> PostgresBindings {
        var binds = PostgresBindings(capacity: 1)
        binds.append(value)
        return binds
    }
}
