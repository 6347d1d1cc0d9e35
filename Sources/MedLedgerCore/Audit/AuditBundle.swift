import Foundation

/// One file that lets anyone check a record's audit trail offline, with public keys only: the
/// record's events, the ledger entries (signed envelopes) they come from, each entry's inclusion
/// proof, and the (cosigned) checkpoint the proofs lead to. ``AuditBundleVerifier`` checks it.
///
/// JSON, media type ``mediaType``. Entries and hashes are standard base64.
public struct AuditBundle: Codable, Sendable, Equatable {
    /// The format this code writes and reads.
    public static let currentFormat = "medledger-audit-bundle/v1"
    /// The media type of a bundle file.
    public static let mediaType = "application/vnd.medledger.audit-bundle+json"

    public var format: String
    /// The log's origin, as its checkpoints name it.
    public var origin: String
    /// The record the trail is about.
    public var record: String
    public var patient: AccountAddress?
    /// When the node wrote the bundle (Unix milliseconds); informational.
    public var exportedAt: Int64
    /// The signed checkpoint note every proof leads to, with any witness cosignatures.
    public var checkpoint: String
    /// The record's events in ledger order, each with its entry and proof.
    public var events: [ProvenEvent]
    /// `session.open` entries whose session keys signed some of the events' entries (page reads
    /// are signed with a session key the account delegated to), each with its proof.
    public var delegations: [ProvenEntry]
    /// The versions the stored record holds, as the node claims them; each must be backed by a
    /// signed write in ``events`` that names its CID.
    public var versions: [RecordVersion]
    /// The entry of the record's deletion, when the stored record is deleted.
    public var deletedAt: UInt64?

    public init(
        origin: String, record: String, patient: AccountAddress?, exportedAt: Int64, checkpoint: String,
        events: [ProvenEvent], delegations: [ProvenEntry], versions: [RecordVersion], deletedAt: UInt64?
    ) {
        self.format = Self.currentFormat
        self.origin = origin
        self.record = record
        self.patient = patient
        self.exportedAt = exportedAt
        self.checkpoint = checkpoint
        self.events = events
        self.delegations = delegations
        self.versions = versions
        self.deletedAt = deletedAt
    }

    /// A ledger entry and its inclusion proof in the bundle's checkpoint.
    public struct ProvenEntry: Codable, Sendable, Equatable {
        public var index: UInt64
        /// Standard base64 of the entry (the signed envelope, byte for byte).
        public var entry: String
        /// Standard base64 of each proof hash, nearest the leaf first (RFC 9162 §2.1.3).
        public var proof: [String]

        public init(index: UInt64, entry: [UInt8], proof: [TreeHash]) {
            self.index = index
            self.entry = Base64Coding.standard(entry)
            self.proof = proof.map { Base64Coding.standard($0.bytes) }
        }
    }

    /// An audit event with the entry it records and that entry's proof.
    public struct ProvenEvent: Codable, Sendable, Equatable {
        public var event: AuditEvent
        public var entry: String
        public var proof: [String]

        public init(event: AuditEvent, entry: [UInt8], proof: [TreeHash]) {
            self.event = event
            self.entry = Base64Coding.standard(entry)
            self.proof = proof.map { Base64Coding.standard($0.bytes) }
        }

        var proven: ProvenEntry { ProvenEntry(index: event.index, encodedEntry: entry, proof: proof) }
    }
}

extension AuditBundle.ProvenEntry {
    init(index: UInt64, encodedEntry: String, proof: [String]) {
        self.index = index
        self.entry = encodedEntry
        self.proof = proof
    }
}
