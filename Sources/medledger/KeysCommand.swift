import ArgumentParser
import Crypto
import Foundation
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

/// `medledger keys`: makes a P-256 signing key file for scripts and tests.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Make a P-256 signing key file (mode 0600) for scripts and tests."
    )

    @Option(name: .long, help: "Where to write the key file; it must not exist.")
    var out: String

    func run() async throws {
        let key = P256Key()
        try DataDirectory.writeSecret(try keyFileData(key), to: out)
        print("wrote \(out)")
        print("address:    \(key.publicKey.address)")
        print("public key: \(key.publicKey.payloadKey)")
    }
}
