import GRDB
import MedLedgerCore

/// Keeps credentials in the node's SQLite database, each method one transaction.
public struct SQLiteCredentialStore: CredentialStore {
    private let writer: any DatabaseWriter

    public init(database: LedgerDatabase) {
        self.writer = database.writer
    }

    public func credential(username: String) async throws -> Credential? {
        try await writer.read { db in
            try CredentialRecord.filter(Column("username") == username).fetchOne(db)?.credential()
        }
    }

    public func credential(address: AccountAddress) async throws -> Credential? {
        try await writer.read { db in
            try CredentialRecord.filter(Column("address") == address.rawValue).fetchOne(db)?.credential()
        }
    }

    public func insert(_ credential: Credential) async throws {
        do {
            try await writer.write { db in try CredentialRecord(credential).insert(db) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw CredentialStoreError.taken
        }
    }

    public func update(_ credential: Credential) async throws {
        try await writer.write { db in
            guard let existing = try CredentialRecord.filter(Column("address") == credential.address.rawValue).fetchOne(db) else {
                throw CredentialStoreError.notFound
            }
            var record = CredentialRecord(credential)
            record.username = existing.username
            try record.update(db)
        }
    }

    public func delete(username: String) async throws {
        _ = try await writer.write { db in
            try CredentialRecord.filter(Column("username") == username).deleteAll(db)
        }
    }

    public func delete(address: AccountAddress) async throws {
        _ = try await writer.write { db in
            try CredentialRecord.filter(Column("address") == address.rawValue).deleteAll(db)
        }
    }

    public func all() async throws -> [Credential] {
        try await writer.read { db in
            try CredentialRecord.order(Column("created_at"), Column("username")).fetchAll(db).map { try $0.credential() }
        }
    }
}
