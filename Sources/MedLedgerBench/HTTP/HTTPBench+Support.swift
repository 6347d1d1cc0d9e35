import Crypto
import CryptoExtras
import Foundation
import Hummingbird
import Logging
import MedLedgerCore
import MedLedgerHTTP
import MedLedgerNode
import MedLedgerStorage
import NIOCore
import NIOHTTP1
import NIOPosix

extension HTTPBench {
    /// Runs `body` with the data directory (`--data`, else a temporary one removed afterwards, or
    /// none needed when `keep`) and an event-loop thread for the load, both cleaned up however
    /// `body` ends.
    func withScratch<Report>(
        named name: String, keep: Bool, _ body: (String, MultiThreadedEventLoopGroup) async throws -> Report
    ) async throws -> Report {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let temporary = keep || data != nil
            ? nil : FileManager.default.temporaryDirectory.appendingPathComponent("medledger-bench-\(name)-\(UUID().uuidString)").path
        let report: Report
        do {
            report = try await body(data ?? temporary ?? "", group)
        } catch {
            try? await group.shutdownGracefully()
            if let temporary { await Self.remove(temporary) }
            throw error
        }
        try await group.shutdownGracefully()
        if let temporary { await Self.remove(temporary) }
        return report
    }

    /// Removes the temporary data directory once the node is gone. The database's background
    /// checkpointer may still touch its files for a moment, so a failed attempt is retried.
    static func remove(_ path: String) async {
        for _ in 0..<20 {
            if (try? FileManager.default.removeItem(atPath: path)) != nil || !FileManager.default.fileExists(atPath: path) { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    static func format(_ milliseconds: Double) -> String { String(format: "%.2f", milliseconds) }

    /// The size line of a checkpoint note (origin, size, root, blank line, signatures).
    static func treeSize(checkpointNote body: [UInt8]) -> UInt64? {
        let lines = String(decoding: body, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > 1 else { return nil }
        return UInt64(lines[1])
    }

    /// The first `/records/<id>` link of a page.
    static func firstRecordLink(in body: [UInt8]) -> String? {
        let html = String(decoding: body, as: UTF8.self)
        guard let start = html.range(of: "href=\"/records/") else { return nil }
        let id = html[start.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return id.isEmpty ? nil : String(id)
    }

    /// Appends pings until the tree holds a full level-0 tile, so `GET /tile/0/000` exists.
    static func fillFirstTile(node: LedgerNode) async throws {
        let missing = TileRequest.fullWidth - Int(min(node.size, UInt64(TileRequest.fullWidth)))
        guard missing > 0 else { return }
        let envelopes = try await LedgerBenchmark.presign(count: missing, signer: node.service, expires: LedgerNode.systemClock() + 3_600_000)
        let run = await LedgerBenchmark.run(envelopes: envelopes, options: .init(submitters: 64, rate: 0), submit: { _ = try await node.submit($0) })
        guard run.failed == 0 else { throw BenchError("could not fill the first tile: \(run.firstError ?? "?")") }
    }

    /// A port the kernel reports free on 127.0.0.1 (bound and released; the server binds it next).
    static func freePort(group: MultiThreadedEventLoopGroup) async throws -> Int {
        let channel = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port
        try await channel.close()
        guard let port else { throw BenchError("could not find a free port") }
        return port
    }
}

