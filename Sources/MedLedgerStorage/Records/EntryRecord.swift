import Foundation
import GRDB

/// One row of `entry`: a ledger entry (the envelope, byte for byte) and columns derived from it.
/// Its leaf hash is the level-0 row of `tree_node`.
struct EntryRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "entry"

    var idx: Int64
    var envelope: Data
    var type: String
    var signer: String
    var nonce: String
    var nonceKey: Int64

    enum CodingKeys: String, CodingKey {
        case idx, envelope, type, signer, nonce
        case nonceKey = "nonce_key"
    }
}
