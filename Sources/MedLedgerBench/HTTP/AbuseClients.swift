import AsyncHTTPClient
import Crypto
import Foundation
import MedLedgerClient
import MedLedgerCore
import MedLedgerHTTP
import MedLedgerNode
import MedLedgerStorage
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Anonymous clients that send sign-ups (a valid shape, so each reaches the password hash) and
/// log-ins for random usernames (each a hash against a made-up salt) as fast as they are answered,
/// on their own event-loop thread, ignoring `Retry-After` as an attacker would.
final class AbuseClients: Sendable {
    struct Summary: Encodable, Sendable {
        var requests = 0
        var per_s = 0.0
        /// Status counts per route; 0 stands for a connection failure.
        var statuses: [String: [String: Int]] = [:]
    }

    let server: HTTPEndpoint
    let count: Int
    /// The ledger's origin, which sign-up proofs name.
    let origin: String
    private let counts = Mutex<[String: [Int: Int]]>([:])

    /// - Parameter server: the node, reached through the clients' own pool (on an event loop
    ///   apart from the measured load's, with a connection for each client).
    init(server: HTTPEndpoint, count: Int, origin: String) {
        self.server = server
        self.count = count
        self.origin = origin
    }

    /// Runs until cancelled; returns what was sent and answered.
    func run() async -> Summary {
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { clients in
            for client in 0..<count {
                clients.addTask { await self.client(client) }
            }
        }
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        var summary = Summary()
        for (route, statuses) in counts.withLock({ $0 }) {
            summary.statuses[route] = Dictionary(uniqueKeysWithValues: statuses.map { (String($0.key), $0.value) })
            summary.requests += statuses.values.reduce(0, +)
        }
        summary.per_s = (Double(summary.requests) / max(seconds, 0.001) * 10).rounded() / 10
        return summary
    }

    private func client(_ number: Int) async {
        let key = P256.Signing.PrivateKey()
        var round = 0
        while !Task.isCancelled {
            round += 1
            let signUp = round % 2 == 0
            let route = signUp ? "/auth/signup" : "/auth/login"
            let status: Int
            do {
                let body = signUp ? try await signUpBody(key: key) : Self.logIn()
                status = try await server.request(method: .POST, path: route, body: body, closing: true).status
            } catch {
                status = 0
            }
            if Task.isCancelled { break }
            counts.withLock { $0[route, default: [:]][status, default: 0] += 1 }
        }
    }

    static func random(_ count: Int) -> String {
        Base64Coding.url((0..<count).map { _ in UInt8.random(in: 0...255) })
    }

    static func username() -> String {
        "abuse-" + Hex.encode((0..<6).map { _ in UInt8.random(in: 0...255) })
    }

    /// An auditor's sign-up (no registration envelope needed) with a fresh challenge signed by
    /// `key`: passes every check before the hash.
    func signUpBody(key: P256.Signing.PrivateKey) async throws -> [UInt8] {
        let issued = try await server.request(method: .POST, path: "/auth/challenge", body: Array("{}".utf8), closing: true)
        let object = try JSONSerialization.jsonObject(with: Data(issued.body)) as? [String: Any]
        let challenge = object?["challenge"] as? String ?? ""
        let username = Self.username()
        let body: [String: Any] = [
            "username": username, "role": "auditor", "publicKey": key.publicKey.payloadKey, "salt": Self.random(16),
            "iterations": Credential.minimumIterations, "wrappedKey": Self.random(12 + 16 + 121), "authKey": Self.random(32),
            "challenge": challenge,
            "proof": try SignupProof.sign(origin: origin, challenge: challenge, username: username, role: .auditor, with: key),
        ]
        return Array(try JSONSerialization.data(withJSONObject: body))
    }

    static func logIn() -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: ["username": username(), "authKey": random(32)])) ?? Data())
    }
}
