import ArgumentParser
import Foundation
import MedLedgerClient
import MedLedgerCore

/// `medledger tx <type>`: signs any transaction with a key file and submits it to a node.
struct TxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tx",
        abstract: "Sign a transaction with a key file and submit it to a running node.",
        discussion: """
            The body is a JSON object. Writes go to /v1/transactions; reads (record.view, grants.list, \
            audit.trail…) go to /v1/queries and print the answer. The node answers with the entry's \
            index, checkpoint and audit event, or says why it refused. Exits 1 when refused or denied.
            """
    )

    @Argument(help: "Transaction type, e.g. patient.register.")
    var type: String

    @Option(name: .long, help: "Key file from `medledger keys`.")
    var key: String

    @Option(name: .long, help: "The transaction body, a JSON object.")
    var body: String = "{}"

    @Option(name: .long, help: "The node's base URL.")
    var url: String = "http://127.0.0.1:8080"

    @Option(name: .long, help: "Seconds until the signed transaction expires.")
    var ttl: Int = 300

    @Option(name: .long, help: "The ledger's checkpoint origin the payload is signed for (default: asked of the node at --url).")
    var origin: String?

    @Flag(name: .long, help: "Print the signed envelope instead of submitting it.")
    var dryRun = false

    func validate() throws {
        guard (1...86_400).contains(ttl) else { throw ValidationError("--ttl must be 1 to 86400 seconds.") }
        // The ledger reads entries as I-JSON only: refuse here what the node would refuse.
        let parsed: IJSONValue
        do { parsed = try IJSON.parse(body) } catch { throw ValidationError("--body is not I-JSON: \(error).") }
        guard parsed.object != nil else { throw ValidationError("--body must be a JSON object.") }
    }

    func run() async throws {
        var ledger = origin ?? ""
        let node: MedLedgerClient
        do { node = try MedLedgerClient(url: url) } catch { throw ValidationError("--url must be an http or https URL.") }
        if origin == nil { ledger = try await node.origin() }
        let signer = EnvelopeSigner(key: try readKeyFile(key), origin: ledger)
        let envelope = try signer.signPayloadBytes(try payload(signer: signer))
        if dryRun {
            print(String(decoding: envelope, as: UTF8.self))
            return
        }
        let route = ContractEngine.readTypes.contains(type) ? "/v1/queries" : "/v1/transactions"
        let answer = try await node.postJSON(route, envelope)
        print(String(decoding: answer.body, as: UTF8.self))
        guard answer.status == 200 || answer.status == 201 else { throw ExitCode(1) }
    }

    /// The payload bytes: header fields from the key and clock, the body exactly as given.
    func payload(signer: EnvelopeSigner) throws -> [UInt8] {
        let bodyBytes = Data(body.utf8)  // checked to be a JSON object in validate()
        struct Header: Encodable {
            let origin: String
            let type: String
            let signer: String
            let nonce: String
            let expires: Int64
        }
        let header = Header(
            origin: signer.origin, type: type, signer: signer.payloadKey, nonce: EnvelopeSigner.randomNonce(),
            expires: UnixMilliseconds.now() + Int64(ttl) * 1000
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes = [UInt8](try encoder.encode(header))
        // Splice the body in as the last member: `{"expires":…,"type":"…"}` → `{…,"body":<body>}`.
        bytes.removeLast()
        bytes += Array(#","body":"#.utf8) + Array(bodyBytes) + [UInt8(ascii: "}")]
        return bytes
    }
}
