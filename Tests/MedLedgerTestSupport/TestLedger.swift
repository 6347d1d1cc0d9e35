import Crypto
import Foundation
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage

/// A ledger on an in-memory SQLite store with a genesis entry, for tests.
public struct TestLedger: Sendable {
    public static let origin = "test.medledger.localhost/log"

    /// A real CID, distinct for each seed, for content that is never stored (a node without a
    /// content store): each document may be named by one transaction only.
    public static func cid(_ seed: String) -> String {
        UnixFSFileBuilder.contentID(of: Array("test content: \(seed)".utf8)).string
    }

    /// Gives `doctor` a verified doctor's account: the administrator uploads a licence
    /// certificate for the key, creates the account and verifies it.
    public func addVerifiedDoctor(_ doctor: EnvelopeSigner, name: String = "Dr Test") async throws {
        let certificate = try await document("licence of \(doctor.address)", owner: doctor.address, uploader: admin.address)
        for body in [
            CreateAccount(publicKey: doctor.payloadKey, role: .doctor, displayName: name, certificate: certificate) as any TransactionBody,
            VerifyDoctor(doctor: doctor.address, decision: .approve, certificate: certificate),
        ] {
            let receipt = try await node.submit(try admin.sign(body, expires: clock.now + 60_000))
            guard receipt.contract?.allowed == true else {
                throw TestLedgerError("setting up \(name) was denied: \(receipt.contract?.event.message ?? "")")
            }
        }
    }

    /// Stores `text` sealed for `owner` as uploaded by `uploader` in the node's content store and
    /// returns its CID: what a transaction naming new content needs (the node checks both).
    public func document(_ text: String, owner: AccountAddress, uploader: AccountAddress) async throws -> String {
        guard let blobs = node.blobs else { return Self.cid(text) }
        return try await blobs.put(Array(text.utf8), owner: owner, uploader: uploader)
    }

    public let node: LedgerNode
    /// The node's content store (the one given to ``make(clock:maxBatch:auditIndexBatch:blobs:)``).
    public let blobs: InMemoryBlobStore?
    public let store: SQLiteLedgerStore
    public let database: LedgerDatabase
    public let signingKey: NoteSigningKey
    public let admin: EnvelopeSigner
    public let clock: TestClock

    /// Creates the ledger and appends its genesis entry (index 0); `blobs` is the node's content
    /// store (nil for a node without one).
    public static func make(
        clock: TestClock = TestClock(), maxBatch: Int = 4096, auditIndexBatch: Int64 = 4096, blobs: InMemoryBlobStore? = InMemoryBlobStore()
    ) async throws -> TestLedger {
        let database = try LedgerDatabase.inMemory()
        return try await make(database: database, clock: clock, maxBatch: maxBatch, auditIndexBatch: auditIndexBatch, blobs: blobs)
    }

    /// Creates the ledger on a given database and appends its genesis entry.
    public static func make(
        database: LedgerDatabase, clock: TestClock = TestClock(), maxBatch: Int = 4096, auditIndexBatch: Int64 = 4096,
        blobs: InMemoryBlobStore? = InMemoryBlobStore()
    ) async throws -> TestLedger {
        let store = SQLiteLedgerStore(database: database, auditIndexBatch: auditIndexBatch)
        let signingKey = NoteSigningKey(name: origin, privateKey: Curve25519.Signing.PrivateKey())
        let node = try await LedgerNode.open(store: store, signingKey: signingKey, blobs: blobs, maxBatch: maxBatch, clock: clock.read)
        let admin = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let genesis = try admin.sign(
            GenesisBody(origin: origin, admin: admin.payloadKey, adminName: "Admin", service: node.service.payloadKey), expires: clock.now + 60_000)
        _ = try await node.submit(genesis)
        return TestLedger(node: node, blobs: blobs, store: store, database: database, signingKey: signingKey, admin: admin, clock: clock)
    }

    /// A signed ping, valid for a minute of test time: by default from the node's service key (the
    /// only key admission takes pings from); tests of the refusal pass another signer.
    public func ping(from signer: EnvelopeSigner? = nil, nonce: String = EnvelopeSigner.randomNonce()) throws -> [UInt8] {
        try (signer ?? node.service).sign(PingBody(), nonce: nonce, expires: clock.now + 60_000)
    }

    /// Submits `count` pings and returns their receipts in index order.
    @discardableResult
    public func appendPings(_ count: Int) async throws -> [Receipt] {
        var receipts: [Receipt] = []
        for _ in 0..<count {
            receipts.append(try await node.submit(try ping()))
        }
        return receipts
    }
}

/// A settable clock in Unix milliseconds.
public final class TestClock: Sendable {
    private let value: Mutex<Int64>

    public init(_ start: Int64 = 1_795_000_000_000) {
        self.value = Mutex(start)
    }

    public var now: Int64 { value.withLock { $0 } }

    public func advance(millis: Int64) {
        value.withLock { $0 += millis }
    }

    public var read: @Sendable () -> Int64 { { self.now } }
}

import Synchronization

extension TestLedger {
    /// Signs `body` with `signer` and submits it; returns the receipt (denied actions included).
    @discardableResult
    public func submit<Body: TransactionBody>(_ body: Body, by signer: EnvelopeSigner) async throws -> Receipt {
        try await node.submit(try signer.sign(body, expires: clock.now + 60_000))
    }

    /// Signs a read action with `signer` and runs it as a query.
    public func query<Body: TransactionBody>(_ body: Body, by signer: EnvelopeSigner) async throws -> QueryResult {
        try await node.query(try signer.sign(body, expires: clock.now + 60_000))
    }
}

/// A test ledger's setup step that did not go as planned.
public struct TestLedgerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
