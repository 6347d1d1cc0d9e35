import Foundation
import GRDB

/// One row of `checkpoint`: a block's signed checkpoint note.
struct CheckpointRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "checkpoint"

    var size: Int64
    var time: Int64
    var note: String
}
