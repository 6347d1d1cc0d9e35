/// A hospital or pharmacy. Its administrators create and verify its staff's accounts.
public struct Organization: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var kind: OrganizationKind
    public var createdAt: UInt64

    public init(id: String, name: String, kind: OrganizationKind, createdAt: UInt64) {
        self.id = id
        self.name = name
        self.kind = kind
        self.createdAt = createdAt
    }
}

/// The two kinds of organization.
public enum OrganizationKind: String, Codable, Sendable, CaseIterable {
    case hospital
    case pharmacy
}
