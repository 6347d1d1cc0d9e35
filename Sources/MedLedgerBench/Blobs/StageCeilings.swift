import Crypto
import Foundation
import MedLedgerCore
import MedLedgerStorage

#if canImport(Glibc)
import Glibc
#endif

/// Single-core throughput of the work each pipeline stage does, measured in this process with
/// swift-crypto and the store's own building blocks, so the store and load figures can be read
/// against their ceilings: the caller seals (AES-GCM plus copies), the hash stage runs the UnixFS
/// builder (SHA-256), and a load hashes everything once and decrypts it.
struct StageCeilings: Encodable {
    var aes_gcm_seal_4mib_gb_s: Double
    /// The size the stream sealer actually seals (one segment).
    var aes_gcm_seal_64kib_gb_s: Double
    var aes_gcm_open_64kib_gb_s: Double
    var sha256_4mib_gb_s: Double
    var unixfs_builder_gb_s: Double
    /// `StreamSealer` over 1 MiB pieces, segments emitted to nowhere: the write caller's CPU work
    /// before its copy into the pipeline's batches.
    var stream_sealer_gb_s: Double
    var trials = StageCeilings.trials
    var seconds_per_trial = StageCeilings.secondsPerTrial

    static let trials = 3
    static let secondsPerTrial = 0.4

    static func measure(owner: AccountAddress) throws -> StageCeilings {
        let big = BlobBench.randomBytes(4 << 20)
        let segment = Array(big[0..<(64 << 10)])
        let key = SymmetricKey(size: .bits256)
        var sink: UInt8 = 0

        let seal4 = try rate(bytes: big.count) {
            let box = try big.withUnsafeBytes { try AES.GCM.seal($0, using: key, nonce: AES.GCM.Nonce()) }
            sink ^= box.tag.first ?? 0
        }
        let seal64 = try rate(bytes: segment.count) {
            let box = try segment.withUnsafeBytes { try AES.GCM.seal($0, using: key, nonce: AES.GCM.Nonce()) }
            sink ^= box.tag.first ?? 0
        }
        let sealed = try AES.GCM.seal(segment, using: key, nonce: AES.GCM.Nonce())
        let open64 = try rate(bytes: segment.count) {
            // As the reader does: open, then copy the plaintext into an array.
            let plaintext = Array(try AES.GCM.open(sealed, using: key))
            sink ^= plaintext[0]
        }
        let sha = rate(bytes: big.count) {
            var hasher = SHA256()
            big.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            hasher.finalize().withUnsafeBytes { sink ^= $0[0] }
        }
        let unixfs = timed { deadline in
            var builder = UnixFSFileBuilder()
            var bytes = 0
            while ContinuousClock.now < deadline {
                big.withUnsafeBytes { builder.append($0) }
                bytes += big.count
            }
            sink ^= builder.finish().digest.first ?? 0
            return bytes
        }
        let piece = Array(big[0..<(1 << 20)])
        let sealer = try timed { deadline in
            var sealer = try StreamSealer(owner: owner, patientKey: key, metadata: BlobMetadata(mediaType: "application/octet-stream"))
            var bytes = 0
            while ContinuousClock.now < deadline {
                try sealer.append(piece) { sink ^= $0.count > 0 ? $0[0] : 0 }
                bytes += piece.count
            }
            try sealer.finish { sink ^= $0.count > 0 ? $0[0] : 0 }
            return bytes
        }
        blackHole(sink)
        return StageCeilings(
            aes_gcm_seal_4mib_gb_s: seal4, aes_gcm_seal_64kib_gb_s: seal64, aes_gcm_open_64kib_gb_s: open64,
            sha256_4mib_gb_s: sha, unixfs_builder_gb_s: unixfs, stream_sealer_gb_s: sealer
        )
    }

    /// Keeps a value the compiler would otherwise see as unused.
    @inline(never)
    private static func blackHole(_ value: UInt8) {
        withExtendedLifetime(value) {}
    }

    /// Best GB/s over the trials of repeating `body` (which processes `bytes`) for a fixed time.
    private static func rate(bytes: Int, _ body: () throws -> Void) rethrows -> Double {
        try timed { deadline in
            var done = 0
            repeat {
                try body()
                done += bytes
            } while ContinuousClock.now < deadline
            return done
        }
    }

    /// Best GB/s over the trials of `body`, which works until the deadline and returns its bytes.
    private static func timed(_ body: (ContinuousClock.Instant) throws -> Int) rethrows -> Double {
        var best = 0.0
        for _ in 0..<trials {
            let start = ContinuousClock.now
            let bytes = try body(start + .milliseconds(Int(secondsPerTrial * 1000)))
            let seconds = (ContinuousClock.now - start).inSeconds
            best = max(best, Double(bytes) / seconds / 1e9)
        }
        return (best * 1000).rounded() / 1000
    }
}
