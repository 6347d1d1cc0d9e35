import Foundation
import MedLedgerCore
import MedLedgerFHIR

/// The bulk export jobs of this node, in memory: each belongs to the app session that started it
/// (only that session's token reads its status and files), at most ``perSession`` run or wait at
/// once per session and ``capacity`` in all, and a finished job's files are dropped
/// ``retention`` after it finished (or when its status URL is deleted).
actor FHIRExportJobs {
    /// One output file: its resource type and NDJSON lines.
    struct File: Sendable {
        var type: String
        var count: Int
        var bytes: [UInt8]
    }

    enum State: Sendable {
        case running
        case done(transactionTime: Int64, files: [File])
        case failed(String)
    }

    struct Job: Sendable {
        var owner: AccountAddress
        var request: String
        var state: State
        var finished: Int64?
        var task: Task<Void, Never>?
    }

    static let perSession = 2
    static let capacity = 64
    static let retention: Int64 = 3_600_000

    private var jobs: [String: Job] = [:]
    private let clock: @Sendable () -> Int64

    init(clock: @escaping @Sendable () -> Int64) {
        self.clock = clock
    }

    /// Starts `work` as a new job of `owner`; its id. 429 when the session or the node has too
    /// many jobs.
    func start(owner: AccountAddress, request: String, work: @escaping @Sendable () async throws -> [File]) throws(FHIRError) -> String {
        purge()
        let running = jobs.values.filter { if case .running = $0.state { return true } else { return false } }
        guard running.filter({ $0.owner == owner }).count < Self.perSession, jobs.count < Self.capacity else {
            throw FHIRError(status: 429, code: "throttled", "too many export jobs; wait for one to finish or delete one")
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
        let id = Hex.encode(bytes)
        jobs[id] = Job(owner: owner, request: request, state: .running)
        jobs[id]?.task = Task {
            let state: State
            do {
                state = .done(transactionTime: self.clock(), files: try await work())
            } catch is CancellationError {
                return
            } catch let error as FHIRError {
                state = .failed(error.diagnostics)
            } catch {
                state = .failed("the export could not be completed")
            }
            await self.finish(id, state)
        }
        return id
    }

    private func finish(_ id: String, _ state: State) {
        guard jobs[id] != nil else { return }
        jobs[id]?.state = state
        jobs[id]?.finished = clock()
        jobs[id]?.task = nil
    }

    /// The job `id` if `owner` started it: nil when there is none (or it expired); 403 when
    /// another session started it.
    func job(_ id: String, owner: AccountAddress) throws(FHIRError) -> Job? {
        purge()
        guard let job = jobs[id] else { return nil }
        guard job.owner == owner else { throw FHIRError.forbidden("this export belongs to another authorisation") }
        return job
    }

    /// Cancels and forgets a job; false when there was none.
    func remove(_ id: String, owner: AccountAddress) throws(FHIRError) -> Bool {
        guard try job(id, owner: owner) != nil else { return false }
        jobs[id]?.task?.cancel()
        jobs[id] = nil
        return true
    }

    private func purge() {
        let now = clock()
        for (id, job) in jobs where job.finished.map({ now - $0 >= Self.retention }) ?? false {
            jobs[id] = nil
        }
    }
}
