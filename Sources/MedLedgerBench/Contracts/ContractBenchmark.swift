import Crypto
import Foundation
import MedLedgerCore
import MedLedgerNode

/// Load generator behind `medledger bench contracts`: builds a population (verified doctors,
/// patients with records and grants), then submits a realistic mix of signed actions concurrently
/// and measures throughput; finally times reading one record's audit trail of 10,000 events.
public struct ContractBenchmark: Sendable {
    /// A distinct content id for each document: the contracts see only CIDs, never content, and
    /// refuse a CID that another document already names.
    static func content(_ purpose: String) -> String {
        UnixFSFileBuilder.contentID(of: Array("benchmark document \(purpose)".utf8)).string
    }

    /// The share of each action in the timed mix, in percent.
    public static let mix: [(String, Int)] = [
        ("record.view", 25), ("record.create", 15), ("appointment.book", 15), ("grant.create", 10),
        ("record.update", 10), ("records.list", 10), ("audit.trail", 5), ("access.request", 5),
        ("record.view (denied: no grant)", 5),
    ]

    /// One round of the mix: 100 slots.
    static let slots = mix.flatMap { Array(repeating: $0.0, count: $0.1) }

    let node: LedgerNode
    let admin: EnvelopeSigner
    let doctors: [EnvelopeSigner]
    let patients: [EnvelopeSigner]
    let expires: Int64

    /// Sets up `doctors` verified doctors and `patients` patients, each with one record per
    /// planned update and view, and a grant of all records to one doctor. Untimed.
    public static func prepare(
        node: LedgerNode, admin: EnvelopeSigner, doctors doctorCount: Int, patients patientCount: Int, transactions: Int,
        progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }
    ) async throws -> (ContractBenchmark, [[UInt8]], expectedDenied: Int) {
        let expires = LedgerNode.systemClock() + 23 * 3600 * 1000
        let doctors = (0..<doctorCount).map { _ in EnvelopeSigner(key: P256.Signing.PrivateKey(), origin: admin.origin) }
        let patients = (0..<patientCount).map { _ in EnvelopeSigner(key: P256.Signing.PrivateKey(), origin: admin.origin) }
        let bench = ContractBenchmark(node: node, admin: admin, doctors: doctors, patients: patients, expires: expires)
        var setup: [[UInt8]] = []
        for doctor in doctors {
            setup.append(try admin.sign(CreateAccount(publicKey: doctor.payloadKey, role: .doctor, displayName: "Doctor", certificate: content("certificate \(doctor.address)")), expires: expires))
        }
        try await bench.submitAll(setup, allowed: true)
        setup = try doctors.map { try admin.sign(VerifyDoctor(doctor: $0.address, decision: .approve, certificate: content("certificate \($0.address)")), expires: expires) }
        try await bench.submitAll(setup, allowed: true)
        setup = try patients.map { try $0.sign(RegisterPatient(profile: content("profile \($0.address)")), expires: expires) }
        try await bench.submitAll(setup, allowed: true)
        setup = try patients.enumerated().map { p, patient in
            try patient.sign(CreateGrant(id: "g-\(p)", grantee: bench.doctor(of: p).address, scope: .all, expires: expires), expires: expires)
        }
        try await bench.submitAll(setup, allowed: true)
        // Records the timed run updates or views: one per planned update or view (at most), so
        // updates never conflict with one another.
        let recordCount = transactions * 40 / 100
        setup = []
        for r in 0..<recordCount {
            let p = r % patientCount
            setup.append(try bench.doctor(of: p).sign(
                CreateRecord(id: "r-\(r)", patient: patients[p].address, category: .visitNotes, content: content("r-\(r)")), expires: expires))
            if setup.count == 20_000 {
                try await bench.submitAll(setup, allowed: true)
                progress(r + 1, recordCount)
                setup = []
            }
        }
        try await bench.submitAll(setup, allowed: true)
        progress(recordCount, recordCount)
        let (timed, denied) = try await bench.signMix(count: transactions, records: recordCount)
        return (bench, timed, denied)
    }

    /// The doctor patient `p` granted.
    func doctor(of p: Int) -> EnvelopeSigner { doctors[p % doctors.count] }

    /// Pre-signs the timed mix on every core. Returns the envelopes and how many are meant to be denied.
    func signMix(count: Int, records: Int) async throws -> ([[UInt8]], Int) {
        let parts = max(ProcessInfo.processInfo.activeProcessorCount, 1)
        let slots = Self.slots
        let results = try await withThrowingTaskGroup(of: (Int, [[UInt8]], Int).self) { group in
            for part in 0..<parts {
                group.addTask {
                    var out: [[UInt8]] = []
                    var denied = 0
                    var i = part
                    while i < count {
                        let (envelope, isDenied) = try self.envelope(i, kind: slots[i % slots.count], records: records)
                        out.append(envelope)
                        if isDenied { denied += 1 }
                        i += parts
                    }
                    return (part, out, denied)
                }
            }
            var all: [(Int, [[UInt8]], Int)] = []
            for try await result in group { all.append(result) }
            return all.sorted { $0.0 < $1.0 }
        }
        var envelopes: [[UInt8]] = []
        envelopes.reserveCapacity(count)
        for k in 0..<((count + parts - 1) / parts) {
            for part in results where k < part.1.count { envelopes.append(part.1[k]) }
        }
        return (envelopes, results.reduce(0) { $0 + $1.2 })
    }

    private func envelope(_ i: Int, kind: String, records: Int) throws -> ([UInt8], Bool) {
        let p = i % patients.count
        let patient = patients[p]
        let ownDoctor = doctor(of: p)
        // Records are created round-robin over patients, so record r belongs to patient r % patients.
        let record = "r-\((i / patients.count * patients.count + p) % max(records, 1))"
        let recordPatient = (i / patients.count * patients.count + p) % max(records, 1) % patients.count
        switch kind {
        case "record.view":
            return (try doctor(of: recordPatient).sign(ViewRecord(record: record), expires: expires), false)
        case "record.create":
            return (try ownDoctor.sign(CreateRecord(id: "t-\(i)", patient: patient.address, category: .prescriptions, content: Self.content("t-\(i)")), expires: expires), false)
        case "appointment.book":
            return (try patient.sign(BookAppointment(id: "a-\(i)", doctor: ownDoctor.address, time: expires + 86_400_000), expires: expires), false)
        case "grant.create":
            let other = doctors[(p + 1) % doctors.count]
            return (try patient.sign(CreateGrant(id: "t-\(i)", grantee: other.address, scope: .category(.labResults), expires: expires), expires: expires), false)
        case "record.update":
            // Each update targets its own record, at version 1: the n-th update slot takes record n.
            let perRound = Self.mix.first { $0.0 == kind }!.1
            let first = Self.slots.firstIndex(of: kind)!
            let n = (i / Self.slots.count) * perRound + (i % Self.slots.count - first)
            return (try doctor(of: n % patients.count).sign(UpdateRecord(record: "r-\(n)", content: Self.content("r-\(n) v2"), baseVersion: 1), expires: expires), false)
        case "records.list":
            return (try patient.sign(ListRecords(patient: patient.address), expires: expires), false)
        case "audit.trail":
            return (try patients[recordPatient].sign(QueryTrail(record: record, limit: 100), expires: expires), false)
        case "access.request":
            let other = doctors[(p + 2) % doctors.count]
            return (try other.sign(RequestAccess(id: "q-\(i)", patient: patient.address, scope: .category(.reports), reason: Self.content("q-\(i)")), expires: expires), false)
        default:
            // A doctor no patient in this slot granted: denied and audited.
            let stranger = doctors[(recordPatient + doctors.count / 2) % doctors.count]
            return (try stranger.sign(ViewRecord(record: record), expires: expires), doctors.count > 1 && stranger.address != doctor(of: recordPatient).address)
        }
    }

    /// Submits envelopes concurrently, untimed, requiring each to be allowed.
    func submitAll(_ envelopes: [[UInt8]], allowed: Bool) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for envelope in envelopes {
                group.addTask {
                    let receipt = try await node.submit(envelope)
                    if allowed, receipt.contract?.allowed == false {
                        throw BenchmarkError.unexpectedDenial(receipt.contract?.event.message ?? "")
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Gives one record an audit trail of `events` events (creation, then views), untimed, and
    /// returns a patient signer and the record id.
    public func recordWithTrail(events: Int) async throws -> (EnvelopeSigner, String) {
        let patient = patients[0]
        let record = "trail-bench"
        try await submitAll([try doctor(of: 0).sign(CreateRecord(id: record, patient: patient.address, category: .reports, content: Self.content(record)), expires: expires)], allowed: true)
        var remaining = events - 1
        while remaining > 0 {
            let n = min(remaining, 5_000)
            try await submitAll(try (0..<n).map { _ in try patient.sign(ViewRecord(record: record), expires: expires) }, allowed: true)
            remaining -= n
        }
        return (patient, record)
    }

    /// Milliseconds per read of the record's whole trail from the store, sorted, over `samples` reads.
    public func trailReadMillis(record: String, samples: Int) async throws -> (latencies: [Double], events: Int) {
        let clock = ContinuousClock()
        var latencies: [Double] = []
        var count = 0
        for _ in 0..<samples {
            let start = clock.now
            count = try await node.recordTrail(record, below: node.size).count
            latencies.append((clock.now - start).inSeconds * 1e3)
        }
        return (latencies.sorted(), count)
    }

    /// Milliseconds per signed `audit.trail` query through the node (sequenced, audited, then read), sorted.
    public func trailQueryMillis(patient: EnvelopeSigner, record: String, samples: Int) async throws -> [Double] {
        let clock = ContinuousClock()
        var latencies: [Double] = []
        for _ in 0..<samples {
            let envelope = try patient.sign(QueryTrail(record: record), expires: expires)
            let start = clock.now
            _ = try await node.query(envelope)
            latencies.append((clock.now - start).inSeconds * 1e3)
        }
        return latencies.sorted()
    }
}

/// A benchmark setup step that did not go as planned.
public enum BenchmarkError: Error, CustomStringConvertible {
    case unexpectedDenial(String)

    public var description: String {
        switch self {
        case .unexpectedDenial(let message): "a setup action was denied: \(message)"
        }
    }
}
