/// Why a contract refused an action. The attempt is still recorded, with this reason.
public struct ContractDenial: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}
