/// One SMART on FHIR resource scope, such as `patient/DocumentReference.rs` or `user/*.read`.
///
/// MedLedger serves FHIR read-only, so a scope here keeps only its read (`r`) and search (`s`)
/// permissions; `c`, `u` and `d` (and the `write` of SMART v1) grant nothing and are dropped when
/// the scope is normalised. A scope with a query (`?category=…`) is not supported and does not
/// parse. The contracts keep the normalised text in ``Session/scopes`` and decide every read an
/// app's token signs against it (``AppScopeRule``).
public struct SMARTScope: Hashable, Sendable, CustomStringConvertible {
    /// Whose data the scope reaches: the launch patient's compartment, or whatever the user may read.
    public enum Context: String, Sendable {
        case patient
        case user
        case system
    }

    /// What a FHIR request does with a resource type.
    public enum Interaction: Sendable {
        case read
        case search
    }

    public var context: Context
    /// A FHIR resource type name, or `*` for every type.
    public var resourceType: String
    public var read: Bool
    public var search: Bool

    public init(context: Context, resourceType: String, read: Bool, search: Bool) {
        self.context = context
        self.resourceType = resourceType
        self.read = read
        self.search = search
    }

    /// Parses a scope in SMART v2 (`.rs`, `.cruds`, any ordered subset) or v1 (`.read`, `.write`,
    /// `.*`) syntax; nil for anything else, including non-resource scopes such as `openid`.
    public init?(_ text: String) {
        guard text.utf8.count <= 100, let slash = text.firstIndex(of: "/"), let dot = text.lastIndex(of: ".") , slash < dot else { return nil }
        guard let context = Context(rawValue: String(text[..<slash])) else { return nil }
        let type = String(text[text.index(after: slash)..<dot])
        let permissions = String(text[text.index(after: dot)...])
        guard type == "*" || Self.isResourceTypeName(type) else { return nil }
        switch permissions {
        case "read", "*": (read, search) = (true, true)
        case "write": (read, search) = (false, false)
        default:
            // v2: a non-empty subsequence of "cruds", in that order.
            var rest = Substring("cruds")
            for letter in permissions {
                guard let found = rest.firstIndex(of: letter) else { return nil }
                rest = rest[rest.index(after: found)...]
            }
            guard !permissions.isEmpty else { return nil }
            (read, search) = (permissions.contains("r"), permissions.contains("s"))
        }
        self.context = context
        resourceType = type
    }

    /// The scope in SMART v2 syntax with only what MedLedger grants, e.g. `patient/*.rs`; nil when
    /// it grants nothing (a write-only scope).
    public var normalized: String? {
        guard read || search else { return nil }
        return "\(context.rawValue)/\(resourceType).\(read ? "r" : "")\(search ? "s" : "")"
    }

    public var description: String { normalized ?? "\(context.rawValue)/\(resourceType).(nothing)" }

    /// True when the scope allows `interaction` on resources of `type`.
    public func permits(_ type: String, _ interaction: Interaction) -> Bool {
        guard resourceType == "*" || resourceType == type else { return false }
        return interaction == .read ? read : search
    }

    /// The scopes that are not about resources and that MedLedger understands: the launch context
    /// and identity requests. Anything else is neither granted nor refused, only left out.
    public static let contextScopes: Set<String> = ["launch/patient", "openid", "fhirUser", "online_access", "offline_access"]

    /// A FHIR resource type's shape: a capital letter, then letters (at most 64).
    static func isResourceTypeName(_ value: String) -> Bool {
        guard let first = value.utf8.first, (0x41...0x5A).contains(first), value.utf8.count <= 64 else { return false }
        return value.utf8.allSatisfy { (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
    }
}
