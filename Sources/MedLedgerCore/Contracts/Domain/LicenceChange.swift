/// A verified doctor's changed licence facts, waiting for an administrator. Until one approves it
/// (`doctor.verify` naming ``entry``), the doctor keeps practising on the verified facts and every
/// other user sees those; a rejection drops the change and leaves the verified facts as they were.
public struct LicenceChange: Codable, Sendable, Equatable {
    /// The licence number the doctor now states.
    public var licence: String
    /// CID of the certificate to check: a new upload, or the verified one when only the number or
    /// hospital changes.
    public var certificate: String
    /// The hospital the doctor now works in; nil for none.
    public var organization: String?
    /// The `doctor.licence.change` entry that asked for it: the administrator's decision names it,
    /// so a decision never applies to a change the administrator did not see.
    public var entry: UInt64
    /// When it was asked for (Unix milliseconds).
    public var time: Int64

    public init(licence: String, certificate: String, organization: String?, entry: UInt64, time: Int64) {
        self.licence = licence
        self.certificate = certificate
        self.organization = organization
        self.entry = entry
        self.time = time
    }
}
