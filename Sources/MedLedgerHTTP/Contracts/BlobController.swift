import Crypto
import Foundation
import Hummingbird
import MedLedgerCore
import MedLedgerNode

/// `POST /v1/blobs?owner=<patient address>&name=<file name>`: streams a file into the store,
/// encrypted under the patient's key, and returns the ciphertext's CID, which the caller then signs
/// into a transaction. The request is signed with the caller's account key (``RequestSignature``).
///
/// Accounts come before resources: the signer must be an active account that may write for the
/// owner (``ContractState/uploadDenial(uploader:owner:at:)``; 403 `upload_not_allowed`), or a key
/// without an account storing its own sign-up documents; each upload spends the signer's storage
/// quota (429 `storage_quota`). The object's sealed metadata records the signer as its uploader,
/// and only the uploader may name it in a transaction (``ContentClaim``).
///
/// Everything that can be refused before storing is refused first: a missing or stale signature
/// (401), a signer who may not store for this owner (403), a declared length over the limit (413)
/// or over the quota (429), a media type not accepted (415). The body then
/// streams through the encrypting writer with bounded memory; a body whose first bytes do not match
/// the declared type (415), that passes the limit (413) or whose hash does not match the signature
/// (401) is dropped and nothing becomes visible.
struct BlobController<Context: RequestContext & RemoteAddressRequestContext>: Sendable {
    let blobs: any BlobStore
    let node: LedgerNode
    var clock: @Sendable () -> Int64 { node.clock }
    /// Per-signer budgets; an upload spends one unit of `uploads`.
    var limits: RequestLimits = .unlimited

    /// How many leading bytes are checked against the declared media type.
    static var sniffLength: Int { 512 }

    func addRoutes(to router: Router<Context>) {
        router.post("v1/blobs", use: upload)
    }

    @Sendable func upload(_ request: Request, context: Context) async throws -> Response {
        let limit = blobs.maxObjectSize
        guard let ownerText = request.uri.queryParameters["owner"], let owner = AccountAddress(String(ownerText)) else {
            throw APIError(status: .badRequest, code: "bad_owner", message: "Give the patient whose key encrypts the content: ?owner=<account address>.")
        }
        guard let header = request.headers[.authorization] else { throw Self.unauthorized(.missing) }
        guard let signature = RequestSignature.parse(header: header) else { throw Self.unauthorized(.missing) }
        // Cheap checks on the signature before any byte is stored; the hash is checked at the end.
        guard signature.isFresh(now: clock()) else { throw Self.unauthorized(.stale) }
        guard let claimed = signature.signer else { throw Self.unauthorized(.badKey) }
        // Refuse an exhausted key before any byte is stored; the unit is spent only once the
        // signature is proven below, so a forged header cannot spend someone else's budget.
        try await limits.admit(.uploads, key: claimed, spend: false)
        if let denial = await node.uploadDenial(uploader: claimed, owner: owner) {
            throw APIError(status: .forbidden, code: "upload_not_allowed", message: "\(denial.reason); nothing was stored.")
        }
        let quota = await storageQuota(for: claimed, context: context)
        let declaredLength = request.headers[.contentLength].flatMap { Int64($0) }
        if let length = declaredLength {
            guard length <= limit else { throw Self.tooLarge(limit) }
            try await quota.admit(length, spend: false)
        }
        let declared = request.headers[.contentType].map(MediaTypeSniffer.essence) ?? "application/octet-stream"
        guard MediaTypeSniffer.accepted.contains(declared) else {
            throw APIError(
                status: .unsupportedMediaType, code: "unsupported_type",
                message: "Files may be PDF, PNG, JPEG, DICOM, plain text or JSON; this upload was declared as \(declared)."
            )
        }
        let name = request.uri.queryParameters["name"].flatMap { BlobMetadata.sanitise(fileName: String($0)) }
        let writer: any BlobWriter
        do {
            writer = try await blobs.makeWriter(owner: owner, metadata: BlobMetadata(mediaType: declared, fileName: name, uploader: claimed))
        } catch BlobStoreError.erased {
            throw Self.erased
        }
        var hash = SHA256()
        var received: Int64 = 0
        var prefix: [UInt8] = []
        var checkedType = false
        do {
            for try await buffer in request.body {
                let bytes = Array(buffer.readableBytesView)
                hash.update(data: bytes)
                received += Int64(bytes.count)
                if !checkedType {
                    prefix += bytes.prefix(Self.sniffLength - prefix.count)
                    if prefix.count >= Self.sniffLength {
                        try Self.checkType(declared, prefix: prefix)
                        checkedType = true
                    }
                }
                try await writer.write(bytes)
            }
            if !checkedType { try Self.checkType(declared, prefix: prefix) }
            let digest = Hex.encode(Array(hash.finalize()))
            let signer: AccountAddress
            do {
                signer = try signature.verify(method: "POST", target: request.uri.description, bodyDigest: digest, now: clock())
            } catch {
                throw Self.unauthorized(error)
            }
            guard signer == claimed else { throw Self.unauthorized(.badKey) }
            try await limits.admit(.uploads, key: signer)
            try await quota.admit(received, spend: true)
            let stored = try await writer.commit()
            return try JSONResponse.make(
                status: .created,
                UploadResponse(cid: stored.cid, size: stored.size, storedSize: stored.storedSize, mediaType: declared, name: name)
            )
        } catch BlobStoreError.tooLarge {
            await writer.abort()
            throw Self.tooLarge(limit)
        } catch BlobStoreError.erased {
            await writer.abort()
            throw Self.erased
        } catch {
            await writer.abort()
            throw error
        }
    }

    /// The quota an upload by `signer` spends: the account's own, or for a key without an
    /// account the sign-up quota of the client's address.
    func storageQuota(for signer: AccountAddress, context: Context) async -> StorageQuota {
        if await node.account(signer) != nil {
            return StorageQuota(limiter: limits.storage, key: signer.rawValue, exempt: limits.exempt.contains(signer), holder: "this account's")
        }
        let client = context.remoteAddress?.ipAddress ?? "unknown"
        return StorageQuota(limiter: limits.signUpStorage, key: client, exempt: false, holder: "this address's sign-up")
    }

    static func checkType(_ declared: String, prefix: [UInt8]) throws {
        guard MediaTypeSniffer.matches(declared: declared, prefix: prefix) else {
            throw APIError(
                status: .unsupportedMediaType, code: "type_mismatch",
                message: "The file's content is not \(declared) (it looks like \(MediaTypeSniffer.mediaType(of: prefix))); nothing was stored."
            )
        }
    }

    static var erased: APIError {
        APIError(status: .gone, code: "erased", message: "This patient's records were erased; nothing more can be stored for them.")
    }

    static func tooLarge(_ limit: Int64) -> APIError {
        APIError(status: .contentTooLarge, code: "content_too_large", message: "Files may be at most \(limit) bytes; nothing was stored.")
    }

    static func unauthorized(_ error: RequestSignatureError) -> APIError {
        APIError(status: .unauthorized, code: "unauthenticated", message: error.description)
    }
}

/// The answer to an upload.
struct UploadResponse: Encodable {
    let cid: String
    let size: Int64
    let storedSize: Int64
    let mediaType: String
    let name: String?
}
