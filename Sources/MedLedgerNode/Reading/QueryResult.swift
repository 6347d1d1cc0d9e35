import MedLedgerCore

/// What a read action gave its caller: the receipt and audit event of the read itself, the
/// contracts' answer, and what the node fetched for it.
public struct QueryResult: Sendable {
    public let receipt: Receipt
    public let event: AuditEvent
    public let answer: QueryAnswer?
    /// The audit events an events or trail query selected.
    public var events: [AuditEvent]?
    /// The decrypted content of a record read.
    public var content: [UInt8]?

    init(receipt: Receipt, event: AuditEvent, answer: QueryAnswer?) {
        self.receipt = receipt
        self.event = event
        self.answer = answer
    }
}

/// Why a read gave no answer.
public enum QueryError: Error, Sendable, CustomStringConvertible {
    /// The transaction type is not a read; submit it as a transaction.
    case notARead(String)
    /// The contracts denied the read; it is on the ledger with this event.
    case denied(Receipt, AuditEvent)
    /// The node has no content store.
    case contentUnavailable

    public var description: String {
        switch self {
        case .notARead(let type): "\"\(type)\" is not a read; submit it to /v1/transactions."
        case .denied(_, let event): event.message
        case .contentUnavailable: "This node does not serve record content."
        }
    }
}
