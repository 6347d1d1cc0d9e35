import Foundation
import Logging
import MedLedgerCore
import MedLedgerHTTP
import MedLedgerNode
import MedLedgerStorage

/// Fills a new demo ledger with one account of every role and a little sample data.
struct DemoSeed {
    let node: LedgerNode
    let credentials: any CredentialStore
    let directory: DataDirectory
    let admin: P256Key
    let logger: Logger

    func run() async throws -> [WebConfiguration.DemoAccount] {
        []
    }

    /// The demo accounts a previous `serve --demo` created in `directory`.
    static func savedAccounts(in directory: DataDirectory) throws -> [WebConfiguration.DemoAccount] {
        []
    }
}
