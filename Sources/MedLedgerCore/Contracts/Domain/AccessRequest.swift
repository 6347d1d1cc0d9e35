/// A request by a doctor, hospital management or pharmacy to see some of a patient's records.
/// The patient approves (which creates a grant) or denies it.
public struct AccessRequest: Codable, Sendable, Equatable {
    public var id: String
    public var patient: AccountAddress
    public var requester: AccountAddress
    public var scope: AccessScope
    /// CID of the encrypted reason the requester wrote.
    public var reason: String
    public var status: AccessRequestStatus
    /// The grant an approval created.
    public var grant: String?
    public var createdAt: UInt64

    public init(
        id: String, patient: AccountAddress, requester: AccountAddress, scope: AccessScope, reason: String,
        status: AccessRequestStatus = .pending, grant: String? = nil, createdAt: UInt64
    ) {
        self.id = id
        self.patient = patient
        self.requester = requester
        self.scope = scope
        self.reason = reason
        self.status = status
        self.grant = grant
        self.createdAt = createdAt
    }
}

/// Where an access request stands.
public enum AccessRequestStatus: String, Codable, Sendable {
    case pending
    case approved
    case denied
}
