import ArgumentParser
import Foundation
import MedLedgerStorage

/// `medledger init`: creates a data directory, the node key and the genesis entry.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a data directory, the node's checkpoint key and the genesis entry."
    )

    @OptionGroup var data: DataOptions

    @Option(name: .long, help: "The log's origin (checkpoint name). Default: a fresh random name.")
    var origin: String?

    @Option(name: .long, help: "Key file of the first system administrator (from `medledger keys`). Default: generate one in the data directory.")
    var adminKey: String?

    @Option(name: .long, help: "Display name of the first administrator.")
    var adminName: String = "System administrator"

    func run() async throws {
        let directory = DataDirectory(path: data.data)
        let key = try adminKey.map(readKeyFile)
        guard !directory.isInitialized else { throw CLIError("\(directory.url.path) is already initialised.") }
        try directory.create()
        let logger = makeLogger("medledger.init", level: .warning)
        let (node, generated) = try await withStorage(data, directory: directory, logger: logger) { storage in
            try await initialise(
                directory, storage: storage, origin: origin ?? defaultOrigin(), adminKey: key, adminName: adminName, logger: logger
            )
        }
        print("initialised \(directory.url.path)")
        print("log key: \(node.verifierKey.vkey)")
        if let generated {
            print("administrator key written to \(generated); move it somewhere safe, it is the root of authority.")
        }
    }
}
