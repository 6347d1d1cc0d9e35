/// A patient's request to have their records erased (the GDPR right to erasure), and what became
/// of it. The account keeps its latest request, so the patient and administrators see where it
/// stands; every earlier request and decision stays in the audit trail.
///
/// It holds no health data: only entries, times, addresses and, optionally, the CID of a reason
/// the patient wrote (encrypted under their own key, so it is destroyed with the rest).
public struct ErasureRequest: Codable, Sendable, Equatable {
    public var status: ErasureStatus
    /// CID of the encrypted reason the patient gave, if any.
    public var reason: String?
    /// The entry index of the request.
    public var entry: UInt64
    /// The block time of the request (Unix milliseconds).
    public var time: Int64
    /// Who ended the wait, and when: the system administrator who confirmed or declined it, or the
    /// patient who withdrew it. Nil while pending.
    public var decision: ErasureDecision?

    public init(status: ErasureStatus = .pending, reason: String? = nil, entry: UInt64, time: Int64, decision: ErasureDecision? = nil) {
        self.status = status
        self.reason = reason
        self.entry = entry
        self.time = time
        self.decision = decision
    }
}

/// Where an erasure request stands.
public enum ErasureStatus: String, Codable, Sendable, CaseIterable {
    /// Waiting for a system administrator.
    case pending
    /// Confirmed: the account is ``AccountStatus/erased`` and its content destroyed.
    case erased
    /// Refused by a system administrator; the patient may ask again.
    case declined
    /// Taken back by the patient before a decision.
    case withdrawn
}

/// Who decided an erasure request, at which entry and block time.
public struct ErasureDecision: Codable, Sendable, Equatable {
    public var by: AccountAddress
    public var entry: UInt64
    public var time: Int64

    public init(by: AccountAddress, entry: UInt64, time: Int64) {
        self.by = by
        self.entry = entry
        self.time = time
    }
}
