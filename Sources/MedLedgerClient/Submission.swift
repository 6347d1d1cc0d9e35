import MedLedgerCore

/// What became of a submitted transaction that reached the ledger.
public enum Submission: Sendable {
    /// Sequenced and allowed.
    case sequenced(SubmitResponse)
    /// Sequenced, and the contracts denied it: the denial is on the ledger with this receipt.
    case denied(SubmitResponse, reason: String)

    /// The entry's receipt either way.
    public var receipt: SubmitResponse {
        switch self {
        case .sequenced(let receipt), .denied(let receipt, _): receipt
        }
    }
}
