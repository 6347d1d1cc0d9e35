import Crypto
import Foundation
import MedLedgerCore
import MedLedgerHTTP
import MedLedgerNode
import MedLedgerStorage

/// The patient whose FHIR data the benchmark reads: registered on the ledger, with a password
/// credential (so the OAuth flow can sign them in as a browser would) and `records` records of
/// their own, spread over every category so each FHIR mapping is exercised.
struct FHIRBenchPatient {
    let key: P256.Signing.PrivateKey
    let username: String
    let password: String
    let recordIDs: [String]

    var address: AccountAddress { key.publicKey.address }

    /// Registers the patient and writes the records, `parallel` submissions at a time (set-up is
    /// not measured, but 1,000 records one by one would make every run slow).
    static func create(node: LedgerNode, credentials: any CredentialStore, records: Int, parallel: Int = 32) async throws -> FHIRBenchPatient {
        guard let blobs = node.blobs else { throw BenchError("the node has no content store") }
        let account = try await BenchSignUp.register(node: node, credentials: credentials, usernamePrefix: "fhir-bench") { owner in
            // A profile, so the Patient resource has a name and birth date to map.
            try await blobs.put(Array(#"{"birthDate":"1980-05-17","gender":"female","name":"Bench Patient"}"#.utf8), owner: owner, uploader: owner)
        }
        let (signer, suffix) = (account.signer, account.suffix)

        let categories = RecordCategory.allCases
        let ids = (1...records).map { "fhir-\(suffix)-\($0)" }
        var next = 0
        while next < ids.count {
            let batch = ids[next..<min(next + parallel, ids.count)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (offset, id) in batch.enumerated() {
                    let number = next + offset
                    let category = categories[number % categories.count]
                    group.addTask {
                        let text = "Record \(number + 1) (\(category.rawValue)): haemoglobin 14.1 g/dL, leucocytes 6.2 × 10⁹/L; "
                            + String(repeating: "within reference ranges. ", count: 6)
                        let cid = try await blobs.put(Array(text.utf8), owner: signer.address, uploader: signer.address)
                        let envelope = try signer.sign(AddDocument(id: id, category: category, content: cid), expires: node.clock() + 600_000)
                        try await BenchSignUp.submitAllowed(node, envelope)
                    }
                }
                try await group.waitForAll()
            }
            next += batch.count
        }
        return FHIRBenchPatient(key: account.key, username: account.username, password: account.password, recordIDs: ids)
    }
}
