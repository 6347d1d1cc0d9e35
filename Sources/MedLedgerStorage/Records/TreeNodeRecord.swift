import Foundation
import GRDB

/// One row of `tree_node`: the hash of a perfect subtree above the leaves.
struct TreeNodeRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "tree_node"

    var level: Int
    var idx: Int64
    var hash: Data
}
