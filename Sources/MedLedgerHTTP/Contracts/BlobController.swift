import Foundation
import Hummingbird
import MedLedgerCore
import MedLedgerNode

/// `POST /v1/blobs?owner=<patient address>`: stores content encrypted under the patient's key and
/// returns the ciphertext's CID, which the caller then signs into a transaction. The request must
/// be signed with the caller's account key (``RequestSignature``).
struct BlobController<Context: RequestContext>: Sendable {
    let blobs: any BlobStore
    let clock: @Sendable () -> Int64
    /// Largest accepted body.
    let maxBytes: Int

    func addRoutes(to router: Router<Context>) {
        router.post("v1/blobs", use: upload)
    }

    @Sendable func upload(_ request: Request, context: Context) async throws -> Response {
        guard let ownerText = request.uri.queryParameters["owner"], let owner = AccountAddress(String(ownerText)) else {
            throw APIError(status: .badRequest, code: "bad_owner", message: "Give the patient whose key encrypts the content: ?owner=<account address>.")
        }
        guard let header = request.headers[.authorization] else { throw Self.unauthorized(.missing) }
        guard let signature = RequestSignature.parse(header: header) else { throw Self.unauthorized(.missing) }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch {
            throw APIError(status: .contentTooLarge, code: "content_too_large", message: "Content may be at most \(maxBytes) bytes.")
        }
        let body = Array(buffer.readableBytesView)
        do {
            _ = try signature.verify(method: "POST", target: request.uri.description, body: body, now: clock())
        } catch {
            throw Self.unauthorized(error)
        }
        let cid: String
        do {
            cid = try await blobs.put(body, owner: owner)
        } catch BlobStoreError.tooLarge(let limit) {
            throw APIError(status: .contentTooLarge, code: "content_too_large", message: "Content may be at most \(limit) bytes.")
        }
        return try JSONResponse.make(status: .created, ["cid": cid])
    }

    static func unauthorized(_ error: RequestSignatureError) -> APIError {
        APIError(status: .unauthorized, code: "unauthenticated", message: error.description)
    }
}
