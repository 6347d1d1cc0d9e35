import Foundation

/// What `medledger bench fhir` prints: the read targets under open-loop load (the same figures
/// as `bench http`) and the bulk export's timing.
public struct FHIRBenchResult: Encodable, Sendable {
    /// The open-loop settings and the export's, printed as one flat object.
    struct Settings: Encodable {
        var load: OpenLoopSettings
        var records: Int
        var export_target_ms: Double

        private enum CodingKeys: String, CodingKey { case records, export_target_ms }

        func encode(to encoder: any Encoder) throws {
            try load.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(records, forKey: .records)
            try container.encode(export_target_ms, forKey: .export_target_ms)
        }
    }

    var mode = "in-process"
    var url: String
    var settings: Settings
    var machine = MachineInfo()
    var notes: [String] = []
    /// The scopes the token was granted, as the token endpoint answered them.
    var token_scope: String?
    var targets: [HTTPTargetResult] = []
    var export: FHIRExportTiming?
}

/// One patient-level `$export`, from the kick-off request until the manifest is complete, and the
/// download of every file it lists.
struct FHIRExportTiming: Encodable, Sendable {
    var records: Int
    /// Kick-off sent → the status URL answers 200 with the manifest.
    var kickoff_to_manifest_ms: Double
    /// Status polls made meanwhile (every 5 ms).
    var polls: Int
    /// Downloading every output file, one after another.
    var download_ms: Double
    var files: Int
    /// Resources per type, as the manifest counts them.
    var counts: [String: Int]
    var bytes: Int
    var ledger_entries_added: UInt64?
    var meets_target: Bool
}
