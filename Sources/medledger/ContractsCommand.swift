import ArgumentParser
import MedLedgerCore

/// `medledger contracts`: facts about the contracts themselves, from their own tables.
struct ContractsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contracts",
        abstract: "Show the contracts' own tables.",
        subcommands: [ContractsMatrixCommand.self]
    )
}

/// `medledger contracts matrix --markdown`: prints the authorization matrix (who may do each action
/// in each grant state), the text docs/CONTRACTS.md publishes.
struct ContractsMatrixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix",
        abstract: "Print the authorization matrix: every action, signer and grant state, allowed or denied."
    )

    @Flag(name: .long, help: "Print it as the Markdown docs/CONTRACTS.md carries (the only format).")
    var markdown = false

    func run() throws {
        print(AuthorizationMatrix.markdown(), terminator: "")
    }
}
