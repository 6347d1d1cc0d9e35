import Hummingbird
import MedLedgerCore

/// The SMART App Launch discovery document (`GET /.well-known/smart-configuration`): where an app
/// sends the user to authorise, where it redeems codes and revokes tokens, and what this server
/// supports — public clients with PKCE S256, the authorization-code grant, standalone launch with a
/// patient context, SMART v1 and v2 read scopes and OpenID Connect identity.
struct SMARTConfiguration: Encodable, Sendable {
    var issuer: String
    var jwks_uri: String
    var authorization_endpoint: String
    var token_endpoint: String
    var revocation_endpoint: String
    var grant_types_supported = ["authorization_code"]
    var token_endpoint_auth_methods_supported = ["none"]
    var scopes_supported = [
        "openid", "fhirUser", "launch/patient", "online_access",
        "patient/*.rs", "patient/*.read", "user/*.rs", "user/*.read",
        "patient/Patient.rs", "patient/DocumentReference.rs", "patient/MedicationRequest.rs", "patient/Immunization.rs",
        "patient/Appointment.rs", "patient/Consent.rs", "patient/AuditEvent.rs", "patient/Provenance.rs", "patient/Binary.r",
    ]
    var response_types_supported = ["code"]
    var code_challenge_methods_supported = ["S256"]
    var id_token_signing_alg_values_supported = ["ES256"]
    var capabilities = [
        "launch-standalone", "client-public", "context-standalone-patient", "permission-v2", "permission-v1",
        "permission-patient", "permission-user", "sso-openid-connect",
    ]

    init(base: String) {
        issuer = base
        jwks_uri = base + "/oauth/jwks"
        authorization_endpoint = base + "/oauth/authorize"
        token_endpoint = base + "/oauth/token"
        revocation_endpoint = base + "/oauth/revoke"
    }

    /// The server's public base address: the configured one, else the request's scheme and `Host`.
    static func base(_ request: Request, configuration: WebConfiguration) -> String {
        if let url = configuration.publicURL, !url.isEmpty { return url.hasSuffix("/") ? String(url.dropLast()) : url }
        let host = request.head.authority ?? "localhost"
        return (configuration.secureCookies ? "https://" : "http://") + host
    }
}
