import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// `profile.names`, `directory.search` and `hospital.patients` through `POST /v1/queries`: the node
/// returns only the names the profile rule lets the reader see, and only the name of each.
@Suite("names, directory and hospital patients through the HTTP API")
struct NamesRoutesTests {
    struct Answer: Decodable {
        struct Result: Decodable {
            struct Name: Decodable {
                let patient: String
                let name: String
            }
            struct Entry: Decodable {
                let address: String
                let displayName: String
            }
            struct Row: Decodable {
                let patient: String
                let grants: Int
            }
            let kind: String
            let names: [Name]?
            let directory: [Entry]?
            let hospitalPatients: [Row]?
        }
        let result: Result
    }

    func query(_ body: some TransactionBody, by reader: EnvelopeSigner, on ledger: TestLedger, _ client: any TestClientProtocol) async throws -> (HTTPResponse.Status, Answer?) {
        let envelope = try reader.sign(body, expires: ledger.clock.now + 60_000)
        return try await client.execute(uri: "/v1/queries", method: .post, body: ByteBuffer(bytes: envelope)) { response in
            (response.status, try? JSONDecoder().decode(Answer.self, from: Data(buffer: response.body)))
        }
    }

    @Test("a pharmacy gets the name of the patient who granted it, nothing else of the profile, and no name of another patient")
    func namesOnlyWhereAllowed() async throws {
        let ledger = try await TestLedger.make()
        try await Application(router: buildRouter(node: ledger.node)).test(.router) { client in
            let cast = try await ProfileDisclosureRoutesTests.Cast.make(profile: ProfileDisclosureRoutesTests.profile, client: client, ledger: ledger)
            let stranger = EnvelopeSigner(key: P256.Signing.PrivateKey())
            let strangerProfile = try await ProfileDisclosureRoutesTests.Cast.upload(
                client, ledger, #"{"name":"Sam Stranger"}"#, owner: stranger.address, by: stranger)
            try await ledger.submit(RegisterPatient(profile: strangerProfile), by: stranger)

            let (status, answer) = try await query(ViewNames(accounts: [cast.patient.address, stranger.address]), by: cast.pharmacy, on: ledger, client)
            #expect(status == .ok)
            #expect(answer?.result.kind == "names")
            let names = try #require(answer?.result.names)
            #expect(names.map(\.patient) == [cast.patient.address.rawValue])
            #expect(names.first?.name == "Alex Patient")

            // An administrator is refused outright.
            let (refused, _) = try await query(ViewNames(accounts: [cast.patient.address]), by: ledger.admin, on: ledger, client)
            #expect(refused == .forbidden)
        }
    }

    @Test("the directory finds staff by their organization's name, and hospital management lists its patients")
    func directoryAndHospitalPatients() async throws {
        let ledger = try await TestLedger.make()
        try await Application(router: buildRouter(node: ledger.node)).test(.router) { client in
            let cast = try await ProfileDisclosureRoutesTests.Cast.make(profile: ProfileDisclosureRoutesTests.profile, client: client, ledger: ledger)
            let (status, found) = try await query(SearchDirectory(text: "pharm"), by: cast.patient, on: ledger, client)
            #expect(status == .ok)
            #expect(found?.result.directory?.map(\.address) == [cast.pharmacy.address.rawValue])
            #expect(found?.result.directory?.first?.displayName == "P")

            let (listed, patients) = try await query(ListHospitalPatients(), by: cast.management, on: ledger, client)
            #expect(listed == .ok)
            #expect(patients?.result.hospitalPatients?.map(\.patient) == [cast.patient.address.rawValue])
            let (refused, _) = try await query(ListHospitalPatients(), by: cast.pharmacy, on: ledger, client)
            #expect(refused == .forbidden)
        }
    }
}
