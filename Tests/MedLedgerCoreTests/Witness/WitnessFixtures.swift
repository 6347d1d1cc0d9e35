import Crypto
import Foundation

@testable import MedLedgerCore

/// Deterministic keys and checkpoints for the witness tests.
enum WitnessFixtures {
    static let origin = "witness-test.medledger.localhost/log"

    static func logKey(seed: UInt8 = 1, name: String = origin) -> NoteSigningKey {
        NoteSigningKey(name: name, privateKey: try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: seed, count: 32)))
    }

    static func cosigner(seed: UInt8 = 9, name: String = "witness.example/w1") -> CosignerKey {
        CosignerKey(name: name, privateKey: try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: seed, count: 32)))
    }

    /// The log of `count` sample entries; `rewritten` changes one early entry, which gives a log
    /// with the same sizes and other roots (what a log that rewrote its history would publish).
    static func tree(_ count: Int, rewritten: Bool = false) -> ReferenceMerkleTree {
        var entries = (0..<count).map(ReferenceMerkleTree.sampleEntry)
        if rewritten, count > 2 { entries[2] = Array("rewritten".utf8) }
        return ReferenceMerkleTree(entries: entries)
    }

    /// A MedLedger-style checkpoint of `tree` at `size`, signed by `key`.
    static func checkpoint(_ tree: ReferenceMerkleTree, size: Int, key: NoteSigningKey = logKey(), time: Int64 = 1_795_000_000_000) -> SignedNote {
        let body = Checkpoint(
            origin: key.name, size: UInt64(size), root: TreeHash(tree.root(size: size))!, time: time,
            previousSize: 0, previousHash: Checkpoint.noPrevious
        ).body
        return try! key.sign(text: body)
    }

    static func proof(_ tree: ReferenceMerkleTree, from oldSize: Int, to newSize: Int) -> [TreeHash] {
        guard oldSize > 0, oldSize < newSize else { return [] }
        return tree.consistencyProof(oldSize: oldSize, newSize: newSize).map { TreeHash($0)! }
    }
}
