import Crypto
import CryptoExtras
import Foundation
import Hummingbird
import Logging
import MedLedgerCore
import MedLedgerHTTP
import MedLedgerNode
import MedLedgerStorage
import NIOCore
import NIOHTTP1
import NIOPosix

/// The patient the self-contained run signs in as: registered on the ledger, with a password
/// credential and a few records of their own (`record.add`, content in the node's blob store).
struct BenchPatient {
    let username: String
    let password: String
    let recordIDs: [String]

    static func create(node: LedgerNode, credentials: any CredentialStore, records: Int) async throws -> BenchPatient {
        guard let blobs = node.blobs else { throw BenchError("the node has no content store") }
        let account = try await BenchSignUp.register(node: node, credentials: credentials, usernamePrefix: "bench-patient")
        let (signer, suffix) = (account.signer, account.suffix)

        var ids: [String] = []
        for number in 1...records {
            let document: [String: String] = [
                "title": "Blood panel \(number)",
                "date": "2026-11-\(String(format: "%02d", 1 + number % 28))",
                "laboratory": "Bench Laboratory",
                "summary": "Haemoglobin 14.1 g/dL, leucocytes 6.2 × 10⁹/L, platelets 250 × 10⁹/L; all within reference ranges.",
                "notes": String(repeating: "Fasting sample, taken at 08:10. ", count: 8),
            ]
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let cid = try await blobs.put(Array(try encoder.encode(document)), owner: signer.address, uploader: signer.address)
            let id = "bench-\(suffix)-\(number)"
            try await BenchSignUp.submitAllowed(node, try signer.sign(AddDocument(id: id, category: .labResults, content: cid), expires: node.clock() + 60_000))
            ids.append(id)
        }
        return BenchPatient(username: account.username, password: account.password, recordIDs: ids)
    }
}
