import Foundation
import Hummingbird
import MedLedgerCore
import MedLedgerNode

/// The auditor's API. Proofs are public (they reveal hashes only): `GET /v1/proofs/inclusion`
/// and `GET /v1/proofs/consistency`. The tally check and the audit bundle reveal a record's trail,
/// so each takes a signed `audit.trail` read (`POST /v1/audit/tally`, `POST /v1/audit/bundle`):
/// the contracts decide who may read the trail, and the read is on the ledger before anything is
/// returned. For an auditor, the node then records the tally check's result itself, signed with
/// its service key; no client asserts a result.
struct AuditController<Context: RequestContext>: Sendable {
    let node: LedgerNode
    /// The checkpoint bundles are proven against: the newest cosigned one when witnesses are configured.
    let bundleCheckpoint: @Sendable () async -> SignedCheckpoint?
    /// Per-signer budgets; the audit reads spend `queries` like any read.
    var limits: RequestLimits = .unlimited

    func addRoutes(to router: Router<Context>) {
        router.get("v1/proofs/inclusion", use: inclusion)
        router.get("v1/proofs/consistency", use: consistency)
        router.post("v1/audit/tally", use: tally)
        router.post("v1/audit/bundle", use: bundle)
    }

    /// `GET /v1/proofs/inclusion?index=I&size=S`: the audit path of entry I in the tree of S entries.
    @Sendable func inclusion(_ request: Request, context: Context) async throws -> Response {
        let index = try Self.number("index", in: request)
        let size = try Self.number("size", in: request)
        guard index < size else { throw Self.outOfRange("index must be below size.") }
        guard size <= node.size else { throw Self.outOfRange("The published tree has \(node.size) entries.") }
        let proof = try await node.inclusionProof(index: index, size: size)
        return try JSONResponse.make(status: .ok, InclusionProofBody(index: index, size: size, proof: proof.map { Base64Coding.standard($0.bytes) }))
    }

    /// `GET /v1/proofs/consistency?from=M&to=N`: proof that the tree of M entries is a prefix of the tree of N.
    @Sendable func consistency(_ request: Request, context: Context) async throws -> Response {
        let from = try Self.number("from", in: request)
        let to = try Self.number("to", in: request)
        guard from >= 1, from <= to else { throw Self.outOfRange("from must be at least 1 and at most to.") }
        guard to <= node.size else { throw Self.outOfRange("The published tree has \(node.size) entries.") }
        let proof = try await node.consistencyProof(from: from, to: to)
        return try JSONResponse.make(status: .ok, ConsistencyProofBody(from: from, to: to, proof: proof.map { Base64Coding.standard($0.bytes) }))
    }

    /// `POST /v1/audit/tally`: a signed `audit.trail` read; answers its receipt and the tally
    /// report. When the reader is an auditor, the node records the result for them (a node-signed
    /// `audit.tally` entry) and answers that entry's receipt and the end of the access a failed
    /// check gives; a patient checking their own record gets the report only.
    @Sendable func tally(_ request: Request, context: Context) async throws -> Response {
        let (result, record) = try await trailRead(request)
        let reader = result.event.actor
        guard await node.account(reader)?.role == .auditor else {
            let report = try await node.tally(record: record)
            return try JSONResponse.make(status: .ok, TallyResponse(receipt: SubmitResponse(result.receipt), tally: report, result: report.result))
        }
        let (report, entry) = try await node.recordTally(record: record, for: reader)
        let recorded = SubmitResponse(entry)
        guard entry.contract?.allowed == true else { return try JSONResponse.make(status: .forbidden, ErrorBody.denied(recorded)) }
        let window = await node.parameters().tallyAccessSeconds
        let check = await node.record(record)?.tally(by: reader)
        return try JSONResponse.make(status: .ok, TallyResponse(
            receipt: SubmitResponse(result.receipt), tally: report, result: report.result, recorded: recorded,
            opensUntil: check?.entry == entry.index ? check?.opensUntil(windowSeconds: window) : nil
        ))
    }

    /// `POST /v1/audit/bundle`: a signed `audit.trail` read; answers the record's audit bundle file.
    @Sendable func bundle(_ request: Request, context: Context) async throws -> Response {
        let (_, record) = try await trailRead(request)
        return try await Self.bundleResponse(node: node, record: record, checkpoint: await bundleCheckpoint())
    }

    /// Sequences the request's envelope, which must be an allowed `audit.trail` read.
    private func trailRead(_ request: Request) async throws -> (QueryResult, String) {
        let result = try await EnvelopeBody.query(request, node: node, limits: limits, loadContent: false)
        guard result.event.action == QueryTrail.transactionType, let record = result.event.record else {
            throw APIError(status: .unprocessableContent, code: "not_a_trail_read", message: "Sign an audit.trail read of the record.")
        }
        return (result, record)
    }

    /// The bundle as a JSON file download.
    static func bundleResponse(node: LedgerNode, record: String, checkpoint: SignedCheckpoint?) async throws -> Response {
        let bundle = try await node.auditBundle(record: record, checkpoint: checkpoint)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = try encoder.encode(bundle)
        let name = "audit-\(record.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })-\(bundle.events.last?.event.index ?? 0).json"
        return Response(
            status: .ok,
            headers: [
                .contentType: AuditBundle.mediaType, .cacheControl: "no-store",
                .contentDisposition: "attachment; filename=\"\(name)\"",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }

    private static func number(_ name: String, in request: Request) throws -> UInt64 {
        guard let text = request.uri.queryParameters.get(name), !text.isEmpty else {
            throw APIError(status: .badRequest, code: "missing_parameter", message: "Give \(name) as a decimal number.")
        }
        guard let value = UInt64(text), String(value) == text else {
            throw APIError(status: .badRequest, code: "bad_parameter", message: "\(name) must be a decimal number without leading zeros.")
        }
        return value
    }

    private static func outOfRange(_ message: String) -> APIError {
        APIError(status: .badRequest, code: "out_of_range", message: message)
    }
}

struct InclusionProofBody: Encodable {
    let index: UInt64
    let size: UInt64
    /// Standard base64 hashes, nearest the leaf first.
    let proof: [String]
}

struct ConsistencyProofBody: Encodable {
    let from: UInt64
    let to: UInt64
    let proof: [String]
}

