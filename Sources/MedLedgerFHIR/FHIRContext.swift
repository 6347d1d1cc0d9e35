import MedLedgerCore

/// Where the FHIR API is served and which ledger it speaks for: the absolute addresses resources
/// link to (Bundle links, `fullUrl`, extension and code system URLs) and the log's origin, which
/// AuditEvent and Provenance name as their source.
public struct FHIRContext: Sendable, Equatable {
    /// The node's base address, without a trailing slash, e.g. `https://ledger.example`.
    public var nodeBase: String
    /// The log's origin (the first line of its checkpoints).
    public var origin: String

    public init(nodeBase: String, origin: String) {
        var base = nodeBase
        while base.hasSuffix("/") { base.removeLast() }
        self.nodeBase = base
        self.origin = origin
    }

    /// The FHIR base, `<node>/fhir`.
    public var base: String { nodeBase + "/fhir" }

    /// The identifier system of account addresses (patients, practitioners and other accounts).
    public var accountSystem: String { base + "/sid/account" }
    /// The identifier system of registered SMART apps (their client ids).
    public var appSystem: String { base + "/sid/app" }
    /// The identifier system of ledger entry indexes.
    public var entrySystem: String { base + "/sid/ledger-entry" }
    /// The identifier system of record ids.
    public var recordSystem: String { base + "/sid/record" }
    /// The identifier system of doctors' licence numbers as the register publishes them.
    public var licenceSystem: String { base + "/sid/licence" }
    /// MedLedger's code system of record categories (`visit_notes`, `prescriptions`…).
    public var categorySystem: String { base + "/CodeSystem/record-category" }
    /// MedLedger's code system of account roles.
    public var roleSystem: String { base + "/CodeSystem/role" }
    /// MedLedger's code system of transaction types (`record.view`, `page.view`…).
    public var actionSystem: String { base + "/CodeSystem/action" }
    /// MedLedger's code system of organization kinds.
    public var organizationKindSystem: String { base + "/CodeSystem/organization-kind" }

    /// The URL of one of MedLedger's own extensions.
    public func extensionURL(_ name: String) -> String { base + "/StructureDefinition/" + name }

    /// A reference to an account: `Patient/…` for patients, `Practitioner/…` for doctors, and a
    /// logical reference (identifier and display) for other accounts, which the API does not serve.
    public func reference(to address: AccountAddress, role: Role?, display: String? = nil) -> FHIRJSON {
        switch role {
        case .patient?: return .members(["reference": .string("Patient/\(address)"), "display": display.map(FHIRJSON.string)])
        case .doctor?: return .members(["reference": .string("Practitioner/\(address)"), "display": display.map(FHIRJSON.string)])
        default:
            return .members([
                "identifier": ["system": .string(accountSystem), "value": .string(address.rawValue)],
                "display": display.map(FHIRJSON.string),
            ])
        }
    }
}
