import Crypto
import Foundation
import MedLedgerClient
import MedLedgerCore
import MedLedgerNode

/// Signs in exactly as the web pages do (docs/WEB.md): prelogin for the salt, PBKDF2 to the
/// wrapping and authentication keys, log-in, unwrap the key, sign `session.open` for the session
/// key the server handed out, post it, and keep the `ml_session` cookie.
struct BrowserSignIn {
    let server: HTTPEndpoint
    /// The ledger's checkpoint origin, which the `session.open` payload names.
    let origin: String

    /// Waits until the in-process server answers, then signs `patient` in; returns the cookie.
    static func signInWhenServing(server: HTTPEndpoint, origin: String, patient: BenchPatient, progress: TerminalProgress) async throws -> String {
        try await server.waitUntilServing()
        progress.line("signing in over HTTP as \(patient.username)…")
        return try await BrowserSignIn(server: server, origin: origin).signIn(username: patient.username, password: patient.password)
    }

    func signIn(username: String, password: String) async throws -> String {
        let client = server.client
        let prelogin = try await client.prelogin(username: username)
        guard let salt = Base64Coding.decodeURL(prelogin.salt) else { throw BenchError("prelogin answered an unusable salt") }
        let keys = try PasswordKeys(password: password, salt: salt, iterations: prelogin.iterations)
        let login = try await client.login(username: username, authKey: Base64Coding.url(keys.authKey))
        guard let wrapped = Base64Coding.decodeURL(login.wrappedKey), let address = AccountAddress(login.address) else {
            throw BenchError("log-in answered an unusable wrapped key")
        }
        let key = try keys.unwrap(wrapped, address: address)
        let envelope = try EnvelopeSigner(key: key, origin: origin).sign(
            OpenSession(sessionKey: login.sessionKey, expires: login.sessionExpires), expires: LedgerNode.systemClock() + 60_000
        )
        return try await client.openSession(envelope)
    }
}
