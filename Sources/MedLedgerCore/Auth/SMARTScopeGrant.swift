/// What an app asked for on `/oauth/authorize` becomes what the user is asked to grant: the
/// normalised scopes a `session.open` may carry, and what was left out and why. Pure, so the
/// authorise page, its tests and the docs agree on one rule.
///
/// - Resource scopes keep only reading and searching (``SMARTScope/normalized``); write-only
///   scopes, scopes with queries and unknown words are left out, not refused, as OAuth lets a
///   server grant less than was asked.
/// - `system/` scopes are for back-end services with their own credentials, never a user's
///   browser: asking for one refuses the whole request (`invalid_scope`).
/// - `patient/` scopes and `launch/patient` reach the launch patient's compartment. A patient's
///   launch patient is themselves. Professionals are granted only `user/` scopes (they read what
///   their grants allow, patient by patient), so their `patient/` scopes are left out; choosing a
///   patient on the authorise page is not offered.
/// - `openid`, `fhirUser` and `online_access` are kept; `offline_access` is left out because no
///   refresh tokens are issued.
/// - Something readable must remain, else `invalid_scope`.
public struct SMARTScopeGrant: Sendable, Equatable {
    /// Why a scope request cannot be granted at all.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// The scopes the user is asked to grant, in the order asked, each once.
    public var granted: [String]
    /// Scopes asked for but left out.
    public var leftOut: [String]
    /// True when the grant reaches the launch patient's compartment (a patient's own launch).
    public var needsLaunchPatient: Bool

    /// The longest `scope` parameter read.
    public static let maxRequestLength = 2_000

    /// Decides the grant for the space-separated `requested` scopes of a user who is (or is not) a
    /// patient.
    public static func decide(requested: String, isPatient: Bool) throws(Refusal) -> SMARTScopeGrant {
        guard requested.utf8.count <= maxRequestLength else { throw Refusal("the scope parameter is too long") }
        let words = requested.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard !words.isEmpty else { throw Refusal("no scope was asked for") }
        var granted: [String] = []
        var leftOut: [String] = []
        func grant(_ scope: String) { if !granted.contains(scope) { granted.append(scope) } }
        for word in words {
            switch word {
            case "openid", "fhirUser", "online_access":
                grant(word)
            case "launch/patient":
                if isPatient { grant(word) } else { leftOut.append(word) }
            default:
                guard let scope = SMARTScope(word) else {
                    leftOut.append(word)
                    continue
                }
                if scope.context == .system { throw Refusal("system/ scopes are for back-end services, not a user's app") }
                guard let normalized = scope.normalized, scope.context == .user || isPatient else {
                    leftOut.append(word)
                    continue
                }
                grant(normalized)
            }
        }
        let resources = granted.compactMap(SMARTScope.init)
        guard !resources.isEmpty else { throw Refusal("none of the scopes asked for lets the app read anything MedLedger serves") }
        var result = SMARTScopeGrant(granted: granted, leftOut: leftOut, needsLaunchPatient: false)
        result.needsLaunchPatient = isPatient && (granted.contains("launch/patient") || resources.contains { $0.context == .patient })
        guard granted.count <= OpenSession.scopeLimit else { throw Refusal("at most \(OpenSession.scopeLimit) different scopes may be granted at once") }
        return result
    }
}
