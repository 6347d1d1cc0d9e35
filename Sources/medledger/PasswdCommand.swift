import ArgumentParser
import Crypto
import Foundation
import MedLedgerCore
import MedLedgerHTTP
import MedLedgerStorage

/// `medledger passwd`: gives a key the operator holds (such as the first administrator's, made by
/// `init`) a username and password for the web sign-in, or replaces its password.
struct PasswdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Set the web sign-in username and password of a key file's account.",
        discussion: "The password is read from the MEDLEDGER_PASSWORD environment variable or the first line of standard input."
    )

    @OptionGroup var data: DataOptions

    @Option(name: .long, help: "Key file of the account (from `init` or `keys`).")
    var key: String

    @Option(name: .long, help: "Username to sign in with.")
    var username: String

    @Option(name: .long, help: "The account's role: patient, doctor, auditor, admin, hospital_management or pharmacy.")
    var role: String = "admin"

    func run() async throws {
        guard let role = Role(rawValue: role) else { throw CLIError("Unknown role \(role).") }
        let password = ProcessInfo.processInfo.environment["MEDLEDGER_PASSWORD"] ?? readLine(strippingNewline: true) ?? ""
        guard password.count >= 12 else { throw CLIError("The password must have at least 12 characters.") }
        let signingKey = try readKeyFile(key)
        let directory = DataDirectory(path: data.data)
        guard directory.isInitialized else { throw CLIError("\(directory.url.path) is not a MedLedger data directory.") }
        try await withStorage(data, directory: directory, logger: makeLogger("medledger.passwd", level: .warning)) { storage in
            try await save(signingKey: signingKey, password: password, role: role, in: storage.credentials)
        }
    }

    func save(signingKey: P256.Signing.PrivateKey, password: String, role: Role, in store: any CredentialStore) async throws {
        let credential = try CredentialFactory.make(
            username: username, password: password, key: signingKey, role: role, now: UnixMilliseconds.now()
        )
        if try await store.credential(address: credential.address) != nil {
            try await store.update(credential)
            print("password replaced for \(credential.address)")
        } else {
            do {
                try await store.insert(credential)
            } catch CredentialStoreError.taken {
                throw CLIError("The username \(username) is taken.")
            }
            print("\(username) can now sign in as \(credential.address)")
        }
    }
}
