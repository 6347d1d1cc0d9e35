import Foundation
import Hummingbird
import MedLedgerCore
import MedLedgerNode

/// The routes of a shared ledger: where a node stands (`GET /v1/cluster`), and the door through
/// which the other nodes hand submissions to the sequencing one (`POST /internal/v1/sequence`,
/// authenticated with ``HandOnKey``; 401 without a valid tag, whoever asks).
struct ClusterController<Context: RequestContext>: Sendable {
    let node: LedgerNode

    func addRoutes(to router: Router<Context>) {
        router.get("v1/cluster", use: status)
        router.post("internal/v1/sequence", use: sequence)
    }

    /// `GET /v1/cluster`: this node's name, role, the sequencing node, the lease epoch and tree size.
    @Sendable func status(_ request: Request, context: Context) async throws -> Response {
        try JSONResponse.make(status: .ok, await node.clusterStatus())
    }

    /// `POST /internal/v1/sequence`: sequences an envelope another node handed on and answers its
    /// receipt or refusal as a ``HandedOnAnswer`` (200), once the entry is durable.
    @Sendable func sequence(_ request: Request, context: Context) async throws -> Response {
        guard node.isClustered else { throw APIError.notFound("This node does not share its ledger.") }
        let envelope = try await EnvelopeBody.read(request, node: node)
        guard let tag = request.headers[HandOnHeader.field], node.isHandedOn(envelope, tag: tag) else {
            throw APIError(status: .unauthorized, code: "not_a_node", message: "Only nodes of this ledger may hand submissions on.")
        }
        let answer: HandedOnAnswer
        do {
            answer = HandedOnAnswer(try await node.sequenceHandedOn(envelope))
        } catch {
            guard let refused = HandedOnAnswer(error) else { throw error }
            answer = refused
        }
        return try JSONResponse.make(status: .ok, answer)
    }
}
