import MedLedgerCore

/// What a read action gave its caller: the receipt and audit event of the read itself, the
/// contracts' answer, and what the node fetched for it.
public struct QueryResult: Sendable {
    public let receipt: Receipt
    /// The contracts' decision on the read (allowed).
    public let outcome: ContractOutcome
    /// The audit events an events or trail query selected.
    public var events: [AuditEvent]?
    /// The decrypted content of a record or profile read, when it was loaded (small enough, and
    /// asked for); files to download are streamed with ``LedgerNode/openContent(of:)`` instead.
    public var content: [UInt8]?
    /// The content's decrypted name and media type, when it was opened.
    public var contentMetadata: BlobMetadata?
    /// The content's plaintext length, when it was opened.
    public var contentSize: Int64?
    /// Why the content named by an allowed read could not be produced: missing, altered,
    /// truncated, or erased. The plaintext is then absent, never wrong.
    public var contentError: BlobStoreError?
    /// For a names read: each patient's name as their profile shows it to the reader. A profile
    /// that could not be read, or has no name, is left out (the page shows the short id).
    public var names: [AccountAddress: String]?
    /// For a page view (`page.view`): each of its reads, in the order its body lists them.
    public var reads: [PageReadResult]?

    init(receipt: Receipt, outcome: ContractOutcome) {
        self.receipt = receipt
        self.outcome = outcome
    }

    /// The read's own audit event.
    public var event: AuditEvent { outcome.event }
    /// What the contracts answered.
    public var answer: QueryAnswer? { outcome.answer }

    /// The content an allowed record, profile or side-document read names: its CID and the patient whose key
    /// wraps it; nil for other answers.
    public var contentReference: (cid: String, owner: AccountAddress)? {
        switch answer {
        case .record(let record, let version): (version.content, record.patient)
        case .profile(let account, let content, _): (content, account.address)
        case .document(_, let content, let owner, _): (content, owner)
        default: nil
        }
    }

    /// Who must have uploaded the content for it to be decrypted: a record version's author, a
    /// side document's author; nil for profiles (an administrator may have uploaded one for the
    /// account it created).
    public var contentAuthor: AccountAddress? {
        switch answer {
        case .record(_, let version): version.author
        case .document(_, _, _, let author): author
        default: nil
        }
    }

    /// How much of the content the reader may see: ``ProfileDisclosure/full`` except for a
    /// patient's profile read by staff with a narrow purpose.
    public var disclosure: ProfileDisclosure {
        if case .profile(_, _, let disclosure) = answer { return disclosure }
        return .full
    }
}

/// Why a read gave no answer.
public enum QueryError: Error, Sendable, CustomStringConvertible {
    /// The transaction type is not a read; submit it as a transaction.
    case notARead(String)
    /// The contracts denied the read; it is on the ledger, and the receipt's event says why.
    case denied(Receipt)
    /// The node has no content store.
    case contentUnavailable
    /// The answer names no content to open.
    case noContent

    public var description: String {
        switch self {
        case .notARead(let type): "\"\(type)\" is not a read; submit it to /v1/transactions."
        case .denied(let receipt): receipt.contract?.event.message ?? "The read was denied."
        case .contentUnavailable: "This node does not serve record content."
        case .noContent: "This read names no content."
        }
    }
}
