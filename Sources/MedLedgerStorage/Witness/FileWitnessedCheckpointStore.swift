import Foundation
import MedLedgerCore

/// Keeps the node's newest witness-cosigned checkpoint in `data/witnessed-checkpoint.note`,
/// replaced atomically, so a restarted node serves it at once instead of waiting for a quorum.
public struct FileWitnessedCheckpointStore: WitnessedCheckpointStore {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The store in a node's data directory.
    public init(directory: DataDirectory) {
        self.init(path: directory.url.appendingPathComponent("witnessed-checkpoint.note").path)
    }

    public func load() throws -> SignedNote? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        do {
            return try SignedNote.parse(text)
        } catch {
            throw DataDirectoryError("\(path) is not a signed note: \(error)")
        }
    }

    public func save(_ note: SignedNote) throws {
        try DurableFiles.replace(Array(note.serialized.utf8), at: path)
    }
}
