import Crypto
import Foundation
import MedLedgerCore
import MedLedgerStorage

#if canImport(Glibc)
import Glibc
#endif

/// The node reads each new document a write names before sequencing it (`BlobStore.provenance`:
/// the object's header, the patient's key, the sealed metadata naming the uploader), so every
/// record, profile or request costs one such read. Timed over small documents, as most are.
struct AdmissionCheckTiming: Encodable {
    var documents: Int
    var rounds: Int
    var p50_us: Double
    var p99_us: Double

    static func measure(store: any BlobStore, owner: AccountAddress, documents: Int = 200, rounds: Int = 5) async throws -> AdmissionCheckTiming {
        var cids: [String] = []
        for number in 0..<documents {
            cids.append(try await store.put(Array("document \(number): \(String(repeating: "x", count: 1000))".utf8), owner: owner, uploader: owner))
        }
        let clock = ContinuousClock()
        var times: [Double] = []
        for _ in 0..<rounds {
            for cid in cids {
                let start = clock.now
                let provenance = try await store.provenance(cid)
                let elapsed = clock.now - start
                guard provenance.uploader == owner else { throw BenchError("the admission check read another uploader") }
                times.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
            }
        }
        times.sort()
        func at(_ q: Double) -> Double { (times[min(times.count - 1, Int(Double(times.count) * q))] * 10).rounded() / 10 }
        return AdmissionCheckTiming(documents: documents, rounds: rounds, p50_us: at(0.5), p99_us: at(0.99))
    }
}
