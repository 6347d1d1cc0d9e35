import ArgumentParser
import Foundation
import MedLedgerClient
import MedLedgerCore

/// `medledger audit …`: the auditor's tools from a terminal (docs/AUDIT.md).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Tally a record's trail, export an offline audit bundle, or verify one.",
        subcommands: [AuditTallyCommand.self, AuditExportCommand.self, AuditVerifyBundleCommand.self]
    )
}

/// Options of the commands that talk to a node as a signed-in key holder.
struct AuditClientOptions: ParsableArguments {
    @Option(name: .long, help: "The record's id.")
    var record: String

    @Option(name: .long, help: "Key file of the auditor (or the patient) from `medledger keys`.")
    var key: String

    @Option(name: .long, help: "The node's base URL.")
    var url: String = "http://127.0.0.1:8080"

    func validate() throws {
        guard !record.isEmpty else { throw ValidationError("--record must name a record.") }
        _ = try node()
    }

    func node() throws -> MedLedgerClient {
        do { return try MedLedgerClient(url: url) } catch { throw ValidationError("--url must be an http or https URL.") }
    }

    /// A signed `audit.trail` read of the record: what the tally and export routes take.
    func trailRead(signer: EnvelopeSigner) throws -> [UInt8] {
        try signer.sign(QueryTrail(record: record, limit: 1), expires: UnixMilliseconds.now() + 60_000)
    }
}

/// `medledger audit tally --record R --key K`: asks the node to run the tally check and prints what
/// it found; for an auditor the node records the result on the ledger itself, signed with its
/// service key.
struct AuditTallyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "Check that a record's trail tallies with the stored record and content; the node records the result.",
        discussion: """
            The check reads the record's trail (an audited read), then the node compares the ledger's entries, \
            the stored state and the content store (docs/AUDIT.md). For an auditor the node records the result \
            in an audit.tally entry it signs itself (counts only, never the discrepancies' wording); a failed \
            check lets that auditor open the record for a while. Exits 0 when the record tallies, 1 when it \
            does not or on error.
            """
    )

    @OptionGroup var client: AuditClientOptions

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        let key = try readKeyFile(client.key)
        let signer = EnvelopeSigner(key: key, origin: try await client.node().origin())
        let answer: TallyResponse
        do {
            answer = try await client.node().tally(trailRead: try client.trailRead(signer: signer))
        } catch let error as MedLedgerClientError {
            throw CLIError("The tally check was refused: \(error)")
        }
        let report = answer.tally
        if json {
            struct Output: Encodable { let tally: TallyReport; let tallies: Bool; let recordedAt: UInt64?; let opensUntil: Int64? }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let output = Output(tally: report, tallies: report.tallies, recordedAt: answer.recorded?.index, opensUntil: answer.opensUntil)
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        } else {
            print("record \(report.record): \(report.events) events on the trail, \(report.versions) stored version(s), proven against the checkpoint of size \(report.checkpointSize)")
            if report.tallies {
                print("TALLIES: the ledger, the stored record and the content store agree.")
            } else {
                print("DOES NOT TALLY: \(report.discrepancies.count) discrepancy(ies):")
                for line in report.discrepancies { print("  - \(line)") }
            }
            if let recorded = answer.recorded { print("result recorded on the ledger by the node at entry \(recorded.index)") }
            if let until = answer.opensUntil {
                print("you may open the record until \(LedgerTimeFormat.display(until))")
            }
        }
        if !report.tallies { throw ExitCode(1) }
    }

}

/// `medledger audit export --record R --key K --out FILE`: the record's offline audit bundle.
struct AuditExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a record's offline audit bundle: its events, their entries, inclusion proofs and the cosigned checkpoint."
    )

    @OptionGroup var client: AuditClientOptions

    @Option(name: .long, help: "Where to write the bundle (default: audit-<record>.json; - for standard output).")
    var out: String?

    func run() async throws {
        let signer = EnvelopeSigner(key: try readKeyFile(client.key), origin: try await client.node().origin())
        let data: Data
        do {
            data = Data(try await client.node().auditBundle(trailRead: try client.trailRead(signer: signer)))
        } catch let error as MedLedgerClientError {
            throw CLIError("The export was refused: \(error)")
        }
        let path = out ?? "audit-\(client.record).json"
        if path == "-" {
            FileHandle.standardOutput.write(data)
            return
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CLIError("\(path) cannot be written.")
        }
        let bundle = try JSONDecoder().decode(AuditBundle.self, from: data)
        print("wrote \(path): \(bundle.events.count) events of record \(bundle.record), \(bundle.delegations.count) session delegation(s), proven against \(bundle.origin)")
    }
}

/// `medledger audit verify-bundle FILE --log-key K [--witness-key W]…`: checks a bundle offline.
struct AuditVerifyBundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-bundle",
        abstract: "Verify an audit bundle offline, with public keys only; exits 1 naming every failure."
    )

    @Argument(help: "The bundle file.")
    var file: String

    @Option(name: .long, help: "The log's verifier key (as /log-key serves it).")
    var logKey: String

    @Option(name: .long, help: "A witness's cosignature verifier key; repeat for each witness.")
    var witnessKey: [String] = []

    @Option(name: .long, help: "How many of the witnesses must have cosigned (default: all given).")
    var witnessQuorum: Int?

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard NoteVerifierKey(vkey: logKey.trimmingCharacters(in: .whitespacesAndNewlines)) != nil else { throw ValidationError("--log-key is not a valid verifier key.") }
        for key in witnessKey {
            guard let parsed = NoteVerifierKey(vkey: key.trimmingCharacters(in: .whitespacesAndNewlines)), parsed.type == .cosignatureV1 else {
                throw ValidationError("--witness-key \(key) is not an Ed25519 cosignature (type 0x04) verifier key.")
            }
        }
        if let witnessQuorum, !(0...witnessKey.count).contains(witnessQuorum) {
            throw ValidationError("--witness-quorum must be 0 to the number of witness keys.")
        }
    }

    func run() async throws {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
            throw CLIError("\(file) cannot be read.")
        }
        let witnesses = witnessKey.compactMap { NoteVerifierKey(vkey: $0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let verifier = AuditBundleVerifier(
            logKey: NoteVerifierKey(vkey: logKey.trimmingCharacters(in: .whitespacesAndNewlines))!, witnesses: WitnessPolicy(witnesses: witnesses, quorum: witnessQuorum ?? witnesses.count)
        )
        let report = await verifier.verify(json: bytes)
        if json {
            struct Output: Encodable { let valid: Bool; let report: AuditBundleReport }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(Output(valid: report.isValid, report: report)), as: UTF8.self))
        } else {
            if let size = report.checkpointSize, let origin = report.origin {
                print("checkpoint: \(origin) at size \(size), signed by the log key\(report.cosignedBy.isEmpty ? "" : ", cosigned by " + report.cosignedBy.joined(separator: ", "))")
            }
            print("checked: \(report.eventsChecked) events, \(report.delegationsChecked) session delegations, \(report.versionsChecked) versions")
            if report.isValid {
                print("VALID: every event's entry is in the log, signed by its actor (or their session), and names the record; every version is backed by a signed write.")
            } else {
                print("INVALID: \(report.failures.count) failure(s):")
                for failure in report.failures { print("  - \(failure)") }
            }
            for note in report.notes { print("note: \(note)") }
        }
        if !report.isValid { throw ExitCode(1) }
    }
}
