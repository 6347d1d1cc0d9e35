import ArgumentParser
import Crypto
import Foundation
import MedLedgerClient
import MedLedgerCore
import MedLedgerStorage

typealias P256Key = P256.Signing.PrivateKey

func keyFileData(_ key: P256Key) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(ClientKeyFile(key: key))
}

func readKeyFile(_ path: String) throws -> P256Key {
    do {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(ClientKeyFile.self, from: data).signingKey()
    } catch let error as KeyFileError {
        throw CLIError("\(path): \(error.description)")
    } catch {
        throw CLIError("\(path) is not a readable MedLedger key file.")
    }
}

/// `medledger keys`: makes a P-256 signing key file for scripts and tests; with `--node-service`,
/// writes the node's own service key instead (derived from the data directory's log key), which
/// the operator's monitors and load tests need to append `ledger.ping` entries over HTTP.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Make a P-256 signing key file (mode 0600) for scripts and tests, or export the node's service key."
    )

    @Option(name: .long, help: "Where to write the key file; it must not exist.")
    var out: String

    @Flag(name: .long, help: "Write the node's service key (the only key that may sign ledger.ping) instead of a fresh key; needs --data.")
    var nodeService = false

    @Option(name: .long, help: "With --node-service: the node's data directory.")
    var data: String?

    func validate() throws {
        guard nodeService == (data != nil) else { throw ValidationError("--node-service and --data go together.") }
    }

    func run() async throws {
        var key = P256Key()
        if nodeService, let data {
            let directory = DataDirectory(path: data)
            guard directory.isInitialized else { throw CLIError("\(data) is not a MedLedger data directory.") }
            key = NodeServiceKey.derive(from: try directory.readNodeIdentity().signingKey)
        }
        try DataDirectory.writeSecret(try keyFileData(key), to: out)
        print("wrote \(out)")
        print("address:    \(key.publicKey.address)")
        print("public key: \(key.publicKey.payloadKey)")
    }
}
