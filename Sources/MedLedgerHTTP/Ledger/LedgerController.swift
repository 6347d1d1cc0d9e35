import Foundation
import Hummingbird
import MedLedgerCore
import MedLedgerNode

/// The ledger's public HTTP surface: C2SP checkpoint and tiles, the log key, and transaction submission.
struct LedgerController<Context: RequestContext>: Sendable {
    let node: LedgerNode
    /// With witnesses configured, what `GET /checkpoint` serves: the newest checkpoint meeting the
    /// witness policy, cosigned. Nil serves the latest checkpoint, as a log without witnesses does.
    var witnessing: (any WitnessedCheckpointProvider)? = nil
    /// Per-signer budgets; a submission spends one unit of `transactions`.
    var limits: RequestLimits = .unlimited

    func addRoutes(to router: Router<Context>) {
        router.get("checkpoint", use: checkpoint)
        router.get("checkpoint/latest", use: latestCheckpoint)
        router.get("log-key", use: logKey)
        router.get("tile/**", use: tile)
        router.post("v1/transactions", use: submit)
        router.get("openapi.json", use: openAPI)
    }

    /// `GET /openapi.json`: the API description (``OpenAPIDocument``).
    @Sendable func openAPI(_ request: Request, context: Context) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.data))
        )
    }

    /// `GET /checkpoint`: the checkpoint clients should trust. Without witnesses, the latest signed
    /// checkpoint; with witnesses, the newest one meeting the witness policy, carrying the log's
    /// signature and the witnesses' cosignatures (503 until one has).
    @Sendable func checkpoint(_ request: Request, context: Context) async throws -> Response {
        guard let witnessing else { return try await latestCheckpoint(request, context: context) }
        guard let checkpoint = witnessing.witnessedCheckpoint else {
            throw APIError(
                status: .serviceUnavailable, code: "not_witnessed",
                message: "No checkpoint has been cosigned by enough witnesses yet; GET /checkpoint/latest has the log's latest."
            )
        }
        return Self.note(checkpoint)
    }

    /// `GET /checkpoint/latest`: the latest checkpoint the log signed, before any witness has seen
    /// it. For monitors and clients that want the freshest tree head and verify consistency
    /// themselves; without witnesses it is what `GET /checkpoint` serves.
    @Sendable func latestCheckpoint(_ request: Request, context: Context) async throws -> Response {
        guard let checkpoint = node.checkpoint else { throw APIError.notFound("The ledger has no checkpoint yet.") }
        return Self.note(checkpoint)
    }

    static func note(_ checkpoint: SignedCheckpoint) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(string: checkpoint.note.serialized))
        )
    }

    /// `GET /log-key`: the log's verifier key in signed-note form.
    @Sendable func logKey(_ request: Request, context: Context) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: node.verifierKey.vkey + "\n"))
        )
    }

    /// `GET /tile/<L>/<N>[.p/<W>]` and `GET /tile/entries/<N>[.p/<W>]`.
    @Sendable func tile(_ request: Request, context: Context) async throws -> Response {
        guard let tile = TileRequest.parse(context.parameters.getCatchAll()) else {
            throw APIError(status: .badRequest, code: "bad_tile_path", message: "Not a tile path: use tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>].")
        }
        guard let bytes = try await node.tile(tile) else {
            throw APIError.notFound("The published tree does not cover that tile yet.")
        }
        // Full tiles never change; partial tiles are immutable too but superseded, so cache them briefly.
        let cache = tile.isFull ? "public, max-age=31536000, immutable" : "public, max-age=1"
        return Response(
            status: .ok,
            headers: [.contentType: "application/octet-stream", .cacheControl: cache],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }

    /// `POST /v1/transactions`: one DSSE envelope; answers once it is durable. The envelope is
    /// verified once, here, so that its proven signer's budget is the one spent: a forged envelope
    /// naming someone else's key is refused before it costs them anything. Over the budget: 429,
    /// and nothing is sequenced.
    @Sendable func submit(_ request: Request, context: Context) async throws -> Response {
        let envelope = try await EnvelopeBody.read(request, node: node)
        let transaction = try EnvelopeBody.refusing { try node.verify(envelope) }
        try await limits.admit(.transactions, key: transaction.signer)
        let receipt = try await EnvelopeBody.submitting { try await node.submit(verified: transaction) }
        let body = SubmitResponse(receipt)
        if receipt.contract?.allowed == false { return try JSONResponse.make(status: .forbidden, ErrorBody.denied(body)) }
        return try JSONResponse.make(status: .created, body)
    }
}

extension SubmitResponse {
    /// The wire form of a node receipt.
    init(_ receipt: Receipt) {
        self.init(
            index: receipt.index, leafHash: Base64Coding.standard(receipt.leafHash.bytes), treeSize: receipt.checkpoint.checkpoint.size,
            time: receipt.checkpoint.checkpoint.time, checkpoint: receipt.checkpoint.note.serialized, event: receipt.contract?.event
        )
    }
}
