import Foundation

/// One persisted object of the contract state. Stores keep each as a (kind, id, JSON document) row,
/// written when a block changes it; ``ContractState`` is rebuilt from them on start.
public enum StateObject: Sendable, Equatable {
    case account(Account)
    case organization(Organization)
    case grant(Grant)
    case accessRequest(AccessRequest)
    case appointment(Appointment)
    case record(MedicalRecord)
    case breakGlass(BreakGlassAccess)
    case parameters(SystemParameters)
    case session(Session)
    case ledger(LedgerIdentity)
    case invitation(Invitation)
    case app(ClientApp)

    public var key: StateKey {
        switch self {
        case .account(let value): StateKey(kind: .account, id: value.address.rawValue)
        case .organization(let value): StateKey(kind: .organization, id: value.id)
        case .grant(let value): StateKey(kind: .grant, id: value.id)
        case .accessRequest(let value): StateKey(kind: .accessRequest, id: value.id)
        case .appointment(let value): StateKey(kind: .appointment, id: value.id)
        case .record(let value): StateKey(kind: .record, id: value.id)
        case .breakGlass(let value): StateKey(kind: .breakGlass, id: value.id)
        case .parameters: StateKey(kind: .parameters, id: "system")
        case .session(let value): StateKey(kind: .session, id: value.id.rawValue)
        case .ledger: StateKey(kind: .ledger, id: "genesis")
        case .invitation(let value): StateKey(kind: .invitation, id: value.id)
        case .app(let value): StateKey(kind: .app, id: value.id)
        }
    }

    /// The entry index that created the object (0 for the parameters).
    var createdAt: UInt64 {
        switch self {
        case .account(let value): value.createdAt
        case .organization(let value): value.createdAt
        case .grant(let value): value.createdAt
        case .accessRequest(let value): value.createdAt
        case .appointment(let value): value.createdAt
        case .record(let value): value.createdAt
        case .breakGlass(let value): value.createdAt
        case .parameters: 0
        case .session(let value): value.createdAt
        case .ledger(let value): value.createdAt
        case .invitation(let value): value.createdAt
        case .app(let value): value.createdAt
        }
    }

    /// The encoder for documents: sorted keys, so equal objects give equal bytes. Make one per
    /// batch of documents and pass it to ``document(using:)``.
    public static func documentEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The object's JSON document.
    public func document(using encoder: JSONEncoder = StateObject.documentEncoder()) throws -> [UInt8] {
        let data: Data =
            switch self {
            case .account(let value): try encoder.encode(value)
            case .organization(let value): try encoder.encode(value)
            case .grant(let value): try encoder.encode(value)
            case .accessRequest(let value): try encoder.encode(value)
            case .appointment(let value): try encoder.encode(value)
            case .record(let value): try encoder.encode(value)
            case .breakGlass(let value): try encoder.encode(value)
            case .parameters(let value): try encoder.encode(value)
            case .session(let value): try encoder.encode(value)
            case .ledger(let value): try encoder.encode(value)
            case .invitation(let value): try encoder.encode(value)
            case .app(let value): try encoder.encode(value)
            }
        return [UInt8](data)
    }

    /// Decodes a stored document of `kind`.
    public static func decode(kind: StateKind, document: [UInt8]) throws -> StateObject {
        let decoder = JSONDecoder()
        let data = Data(document)
        return switch kind {
        case .account: .account(try decoder.decode(Account.self, from: data))
        case .organization: .organization(try decoder.decode(Organization.self, from: data))
        case .grant: .grant(try decoder.decode(Grant.self, from: data))
        case .accessRequest: .accessRequest(try decoder.decode(AccessRequest.self, from: data))
        case .appointment: .appointment(try decoder.decode(Appointment.self, from: data))
        case .record: .record(try decoder.decode(MedicalRecord.self, from: data))
        case .breakGlass: .breakGlass(try decoder.decode(BreakGlassAccess.self, from: data))
        case .parameters: .parameters(try decoder.decode(SystemParameters.self, from: data))
        case .session: .session(try decoder.decode(Session.self, from: data))
        case .ledger: .ledger(try decoder.decode(LedgerIdentity.self, from: data))
        case .invitation: .invitation(try decoder.decode(Invitation.self, from: data))
        case .app: .app(try decoder.decode(ClientApp.self, from: data))
        }
    }
}

/// Identifies a state object: its kind and id.
public struct StateKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let kind: StateKind
    public let id: String

    public init(kind: StateKind, id: String) {
        self.kind = kind
        self.id = id
    }

    public static func < (lhs: StateKey, rhs: StateKey) -> Bool {
        (lhs.kind.rawValue, lhs.id) < (rhs.kind.rawValue, rhs.id)
    }

    public var description: String { "\(kind.rawValue) \(id)" }
}

/// The kinds of state object.
public enum StateKind: String, Sendable, CaseIterable, Codable {
    case account
    case organization
    case grant
    case accessRequest = "access_request"
    case appointment
    case record
    case breakGlass = "break_glass"
    case parameters
    case session
    case ledger
    case invitation
    case app
}
