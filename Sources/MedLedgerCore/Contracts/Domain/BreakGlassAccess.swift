/// Emergency access a doctor opened to a patient's records without a grant, with a written
/// justification. It lasts the system's break-glass length and every use is flagged.
public struct BreakGlassAccess: Codable, Sendable, Equatable {
    public var id: String
    public var doctor: AccountAddress
    public var patient: AccountAddress
    /// CID of the encrypted justification.
    public var justification: String
    public var opened: Int64
    public var expires: Int64
    public var createdAt: UInt64

    public init(id: String, doctor: AccountAddress, patient: AccountAddress, justification: String, opened: Int64, expires: Int64, createdAt: UInt64) {
        self.id = id
        self.doctor = doctor
        self.patient = patient
        self.justification = justification
        self.opened = opened
        self.expires = expires
        self.createdAt = createdAt
    }

    public func isActive(at time: Int64) -> Bool { time < expires }
}
