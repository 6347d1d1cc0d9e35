/// A SMART on FHIR app an administrator registered: the only apps a user may authorise.
///
/// Apps are public clients (they prove the authorisation code with PKCE, never a secret), so what
/// identifies one is its id and the exact redirect addresses it may receive codes at. The name is
/// what users see on the authorise page, on their Access page and beside every read in "Who saw my
/// records". Retiring an app ends every token it holds: the contracts refuse reads by its sessions.
public struct ClientApp: Codable, Sendable, Equatable {
    /// The OAuth `client_id`.
    public var id: String
    public var name: String
    /// Where authorisation codes may be sent, compared exactly.
    public var redirectURIs: [String]
    public var registeredBy: AccountAddress
    /// Entry index of the registration.
    public var createdAt: UInt64
    /// Block time of the retirement, if the app was retired.
    public var retiredAt: Int64?

    public init(id: String, name: String, redirectURIs: [String], registeredBy: AccountAddress, createdAt: UInt64, retiredAt: Int64? = nil) {
        self.id = id
        self.name = name
        self.redirectURIs = redirectURIs
        self.registeredBy = registeredBy
        self.createdAt = createdAt
        self.retiredAt = retiredAt
    }

    /// True until the app is retired.
    public var isActive: Bool { retiredAt == nil }

    /// At most this many redirect addresses per app.
    public static let redirectLimit = 5

    /// A redirect address an app may register: absolute `https`, or `http` on the loopback (for
    /// native and test apps, as OAuth for native apps allows), no fragment, no credentials, at most
    /// 500 characters.
    public static func isAllowedRedirect(_ value: String) -> Bool {
        guard value.utf8.count <= 500, !value.contains("#"), !value.contains("@"),
            !value.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F || $0.value == 0x22 || $0.value == 0x3C || $0.value == 0x3E })
        else { return false }
        if value.hasPrefix("https://") { return value.utf8.count > "https://".utf8.count && !value.dropFirst(8).hasPrefix("/") }
        for loopback in ["http://127.0.0.1", "http://localhost", "http://[::1]"] where value.hasPrefix(loopback) {
            let rest = value.dropFirst(loopback.count)
            if rest.isEmpty || rest.hasPrefix(":") || rest.hasPrefix("/") { return true }
        }
        return false
    }
}
