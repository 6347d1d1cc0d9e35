import Crypto
import Foundation
import Logging
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage
import MedLedgerTestSupport
import Synchronization
import Testing

/// The stores every conformance test runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// Runs `body` with an empty ledger store and credential store of this kind: SQLite in memory,
    /// or a fresh PostgreSQL database whose lease this store holds (so it may append).
    func withStores<T: Sendable>(_ body: (any LedgerStore, any CredentialStore) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            let database = try LedgerDatabase.inMemory()
            return try await body(SQLiteLedgerStore(database: database), SQLiteCredentialStore(database: database))
        case .postgres:
            let configuration = try await TestPostgres.shared.freshDatabase()
            return try await PostgresDatabase.with(configuration, logger: Logger(label: "medledger.tests.store")) { database in
                let store = PostgresLedgerStore(database: database)
                let lease = try await store.claimLease(holder: "node-a", endpoint: "http://node-a.internal", ttlMillis: 600_000)
                #expect(lease.isHeld(by: "node-a"))
                return try await body(store, PostgresCredentialStore(database: database))
            }
        }
    }
}

/// A ledger with a node, an administrator and a content store on any ``LedgerStore``: what
/// ``TestLedger`` is for SQLite, for tests that run against every store.
struct StoreLedger: Sendable {
    let node: LedgerNode
    let store: any LedgerStore
    let credentials: any CredentialStore
    let signingKey: NoteSigningKey
    let admin: EnvelopeSigner
    let clock: TestClock
    let blobs: InMemoryBlobStore

    /// Runs `body` with a ledger of `kind` holding its genesis entry.
    static func with<T: Sendable>(_ kind: StoreKind, maxBatch: Int = 4096, _ body: (StoreLedger) async throws -> T) async throws -> T {
        try await kind.withStores { store, credentials in
            try await body(try await make(store: store, credentials: credentials, maxBatch: maxBatch))
        }
    }

    /// Opens a node on `store` and appends the genesis entry.
    static func make(
        store: any LedgerStore, credentials: any CredentialStore, signingKey: NoteSigningKey? = nil, maxBatch: Int = 4096
    ) async throws -> StoreLedger {
        let clock = TestClock()
        let blobs = InMemoryBlobStore()
        let signingKey = signingKey ?? NoteSigningKey(name: TestLedger.origin, privateKey: Curve25519.Signing.PrivateKey())
        let node = try await LedgerNode.open(store: store, signingKey: signingKey, blobs: blobs, maxBatch: maxBatch, clock: clock.read)
        let admin = EnvelopeSigner(key: P256.Signing.PrivateKey())
        _ = try await node.submit(
            try admin.sign(
                GenesisBody(origin: TestLedger.origin, admin: admin.payloadKey, adminName: "Admin", service: node.service.payloadKey),
                expires: clock.now + 60_000))
        return StoreLedger(
            node: node, store: store, credentials: credentials, signingKey: signingKey, admin: admin, clock: clock, blobs: blobs)
    }

    @discardableResult
    func submit<Body: TransactionBody>(_ body: Body, by signer: EnvelopeSigner) async throws -> Receipt {
        try await node.submit(try signer.sign(body, expires: clock.now + 60_000))
    }

    func document(_ text: String, owner: AccountAddress, uploader: AccountAddress) async throws -> String {
        try await blobs.put(Array(text.utf8), owner: owner, uploader: uploader)
    }

    func appendPings(_ count: Int) async throws {
        for _ in 0..<count {
            _ = try await node.submit(try node.service.sign(PingBody(), expires: clock.now + 60_000))
        }
    }

    /// Two patients with a record each, a verified doctor they granted, denied and allowed views,
    /// a break-glass opening, a page view naming both patients and an app's read: every column of an audit event
    /// and every kind of filter has something to find.
    @discardableResult
    func populate() async throws -> (alice: EnvelopeSigner, bob: EnvelopeSigner, doctor: EnvelopeSigner, windowStart: Int64, windowEnd: Int64) {
        let alice = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let bob = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let doctor = EnvelopeSigner(key: P256.Signing.PrivateKey())
        for patient in [alice, bob] {
            try await submit(RegisterPatient(), by: patient)
        }
        let certificate = try await document("licence", owner: doctor.address, uploader: admin.address)
        try await submit(CreateAccount(publicKey: doctor.payloadKey, role: .doctor, displayName: "Dr Test", certificate: certificate), by: admin)
        try await submit(VerifyDoctor(doctor: doctor.address, decision: .approve, certificate: certificate), by: admin)
        for (patient, id) in [(alice, "a-1"), (bob, "b-1")] {
            try await submit(AddDocument(id: id, category: .reports, content: try await document(id, owner: patient.address, uploader: patient.address)), by: patient)
        }
        clock.advance(millis: 10_000)
        let windowStart = clock.now
        try await submit(ViewRecord(record: "a-1"), by: doctor)  // denied: no grant yet
        try await submit(
            OpenBreakGlass(id: "bg-1", patient: alice.address, justification: try await document("bg-1", owner: alice.address, uploader: doctor.address)),
            by: doctor)
        try await submit(ViewRecord(record: "a-1"), by: doctor)  // allowed under break glass
        try await submit(CreateGrant(id: "g-b", grantee: doctor.address, scope: .all), by: bob)
        try await submit(ViewRecord(record: "b-1"), by: bob)
        clock.advance(millis: 10_000)
        let windowEnd = clock.now
        try await submit(CreateGrant(id: "g-a", grantee: doctor.address, scope: .all), by: alice)
        _ = try await node.query(
            try doctor.sign(
                PageView([ViewRecord(record: "a-1"), ViewRecord(record: "b-1"), ViewNames(accounts: [alice.address, bob.address])]),
                expires: clock.now + 60_000))
        try await submit(ViewRecord(record: "a-1"), by: alice)
        // A SMART app's read: its event names the app.
        let app = EnvelopeSigner(key: P256.Signing.PrivateKey())
        try await submit(RegisterApp(id: "store-app", name: "Store app", redirectURIs: ["https://app.example/cb"]), by: admin)
        try await submit(
            OpenSession(sessionKey: app.payloadKey, expires: clock.now + 600_000, app: "store-app", scopes: ["patient/*.rs"], patient: alice.address),
            by: alice)
        try await submit(ViewRecord(record: "a-1"), by: app)
        return (alice, bob, doctor, windowStart, windowEnd)
    }
}

/// A ledger store that appends every block to two stores and reads from the first: the second
/// then holds exactly the same blocks, so every read can be compared between them.
struct TeeStore: LedgerStore {
    let primary: any LedgerStore
    let mirror: any LedgerStore

    func append(_ block: SealedBlock) async throws {
        try await primary.append(block)
        try await mirror.append(block)
    }

    func contractState() async throws -> ContractState { try await primary.contractState() }
    func events(entries range: Range<UInt64>) async throws -> [AuditEvent] { try await primary.events(entries: range) }
    func events(_ query: AuditQuery) async throws -> [AuditEvent] { try await primary.events(query) }
    func firstAuditIndexFault() async throws -> (index: UInt64, reason: String)? { try await primary.firstAuditIndexFault() }
    func head() async throws -> LedgerHead { try await primary.head() }
    func existingNonces(_ keys: [NonceKey]) async throws -> Set<NonceKey> { try await primary.existingNonces(keys) }
    func hashes(_ ids: [TreeNodeID]) async throws -> [TreeHash] { try await primary.hashes(ids) }
    func entries(_ range: Range<UInt64>) async throws -> [StoredEntry] { try await primary.entries(range) }
    func entries(at indexes: [UInt64]) async throws -> [StoredEntry] { try await primary.entries(at: indexes) }
    func checkpoints(after size: UInt64, limit: Int) async throws -> [StoredCheckpoint] { try await primary.checkpoints(after: size, limit: limit) }
    func checkpoint(covering size: UInt64) async throws -> StoredCheckpoint? { try await primary.checkpoint(covering: size) }
    func firstReplayedEntry() async throws -> UInt64? { try await primary.firstReplayedEntry() }
}

/// A ledger store that remembers every block appended through it, then hands it to `inner`.
struct RecordingStore: LedgerStore {
    let inner: any LedgerStore
    let blocks = BlockLog()

    final class BlockLog: Sendable {
        private let appended = Mutex<[SealedBlock]>([])
        var all: [SealedBlock] { appended.withLock { $0 } }
        func add(_ block: SealedBlock) { appended.withLock { $0.append(block) } }
    }

    func append(_ block: SealedBlock) async throws {
        try await inner.append(block)
        blocks.add(block)
    }

    func contractState() async throws -> ContractState { try await inner.contractState() }
    func events(entries range: Range<UInt64>) async throws -> [AuditEvent] { try await inner.events(entries: range) }
    func events(_ query: AuditQuery) async throws -> [AuditEvent] { try await inner.events(query) }
    func firstAuditIndexFault() async throws -> (index: UInt64, reason: String)? { try await inner.firstAuditIndexFault() }
    func head() async throws -> LedgerHead { try await inner.head() }
    func existingNonces(_ keys: [NonceKey]) async throws -> Set<NonceKey> { try await inner.existingNonces(keys) }
    func hashes(_ ids: [TreeNodeID]) async throws -> [TreeHash] { try await inner.hashes(ids) }
    func entries(_ range: Range<UInt64>) async throws -> [StoredEntry] { try await inner.entries(range) }
    func entries(at indexes: [UInt64]) async throws -> [StoredEntry] { try await inner.entries(at: indexes) }
    func checkpoints(after size: UInt64, limit: Int) async throws -> [StoredCheckpoint] { try await inner.checkpoints(after: size, limit: limit) }
    func checkpoint(covering size: UInt64) async throws -> StoredCheckpoint? { try await inner.checkpoint(covering: size) }
    func firstReplayedEntry() async throws -> UInt64? { try await inner.firstReplayedEntry() }
}
