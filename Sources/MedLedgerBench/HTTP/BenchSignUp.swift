import Crypto
import Foundation
import MedLedgerHTTP
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage

/// A patient a benchmark signs in as over HTTP: a fresh key, a password credential and the
/// `patient.register` entry. Shared by ``BenchPatient`` and ``FHIRBenchPatient``.
struct BenchSignUp {
    let key: P256.Signing.PrivateKey
    let signer: EnvelopeSigner
    /// Random hex that names this run's user and records apart from earlier runs on the same data.
    let suffix: String
    let username: String
    let password: String

    /// Stores the credential and registers the patient, with `profile` (a content id) when given.
    /// `makeProfile` may store the profile first: it gets the patient's address.
    static func register(
        node: LedgerNode, credentials: any CredentialStore, usernamePrefix: String,
        profile makeProfile: (AccountAddress) async throws -> String? = { _ in nil }
    ) async throws -> BenchSignUp {
        let key = P256.Signing.PrivateKey()
        let signer = EnvelopeSigner(key: key, origin: node.origin)
        let suffix = Hex.encode((0..<4).map { _ in UInt8.random(in: 0...255) })
        let username = "\(usernamePrefix)-\(suffix)"
        let password = Base64Coding.url((0..<18).map { _ in UInt8.random(in: 0...255) })
        // Few PBKDF2 iterations keep the set-up fast; the log-in route takes the count as stored.
        let credential = try CredentialFactory.make(
            username: username, password: password, key: key, role: .patient, iterations: 1_000, now: node.clock()
        )
        try await credentials.insert(credential)
        let profile = try await makeProfile(signer.address)
        try await submitAllowed(node, try signer.sign(RegisterPatient(profile: profile), expires: node.clock() + 60_000))
        return BenchSignUp(key: key, signer: signer, suffix: suffix, username: username, password: password)
    }

    /// Submits a set-up action and fails the run if the contracts refuse it.
    static func submitAllowed(_ node: LedgerNode, _ envelope: [UInt8]) async throws {
        let receipt = try await node.submit(envelope)
        if let outcome = receipt.contract, !outcome.allowed {
            throw BenchError("set-up action refused: \(outcome.event.message)")
        }
    }
}
