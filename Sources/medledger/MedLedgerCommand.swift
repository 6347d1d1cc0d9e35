import ArgumentParser

/// `medledger`: the only place where storage, node and HTTP are wired together.
@main
struct MedLedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "medledger",
        abstract: "Patient-controlled medical records on a verifiable ledger.",
        subcommands: [InitCommand.self, ServeCommand.self, VerifyCommand.self, KeysCommand.self, TxCommand.self, UploadCommand.self, PasswdCommand.self, AuditCommand.self, WitnessCommand.self, BenchCommand.self, ContractsCommand.self]
    )
}

/// Options every command shares.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory.")
    var data: String = "./data"
}
