/// The outcome of checking an ``AuditBundle``: what was proven, and every failure by name.
public struct AuditBundleReport: Codable, Sendable, Equatable {
    public var record: String?
    public var origin: String?
    public var checkpointSize: UInt64?
    public var checkpointTime: Int64?
    /// Standard base64 of the checkpoint's root hash.
    public var root: String?
    /// Names of the witnesses whose cosignatures verified.
    public var cosignedBy: [String] = []
    public var eventsChecked = 0
    public var delegationsChecked = 0
    public var versionsChecked = 0
    /// Each failure names the entry, version or key it is about; empty when the bundle holds.
    public var failures: [String] = []
    /// What a valid bundle still does not prove on its own.
    public var notes: [String] = []

    public init() {}

    /// True when nothing failed.
    public var isValid: Bool { failures.isEmpty }
}
