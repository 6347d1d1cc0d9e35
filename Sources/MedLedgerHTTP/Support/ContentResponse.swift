import Foundation
import Hummingbird
import MedLedgerCore

/// Streams decrypted content as a file download: `Content-Disposition` with the stored name, the
/// stored media type, `ETag` = the ciphertext's CID, and single byte ranges (`Range: bytes=…`, 206
/// or 416) so players and PDF viewers can seek. Plaintext is decrypted segment by segment as the
/// client reads; memory stays bounded whatever the file's size.
enum ContentResponse {
    static func make(reader: any BlobReader, request: Request, fallbackName: String) -> Response {
        let cid = reader.cid
        let size = reader.size
        var range = ByteRangeRequest(header: request.headers[.range], size: size)
        if case .partial = range, let ifRange = request.headers[.ifRange], ifRange != etag(cid) { range = .whole }
        var headers: HTTPFields = [
            .contentType: reader.metadata.mediaType,
            .cacheControl: "no-store",
            .acceptRanges: "bytes",
            .eTag: etag(cid),
            .contentDisposition: disposition(name: reader.metadata.fileName, fallback: fallbackName, mediaType: reader.metadata.mediaType),
        ]
        let status: HTTPResponse.Status
        let bytes: Range<Int64>
        switch range {
        case .whole:
            status = .ok
            bytes = 0..<size
        case .partial(let wanted):
            status = .partialContent
            bytes = wanted
            headers[.contentRange] = "bytes \(wanted.lowerBound)-\(wanted.upperBound - 1)/\(size)"
        case .unsatisfiable:
            reader.close()
            headers[.contentRange] = "bytes */\(size)"
            return Response(status: .rangeNotSatisfiable, headers: headers, body: .init())
        }
        let body = ResponseBody(contentLength: Int(bytes.count)) { writer in
            defer { reader.close() }
            try await reader.read(bytes) { piece in
                try await writer.write(ByteBuffer(bytes: piece))
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    static func etag(_ cid: String) -> String { "\"\(cid)\"" }

    /// `attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266 / RFC 8187).
    static func disposition(name: String?, fallback: String, mediaType: String) -> String {
        let chosen = name ?? fallback + suffix(for: mediaType)
        let ascii = String(chosen.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        let encoded = chosen.addingPercentEncoding(withAllowedCharacters: Self.attributeCharacters) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }

    /// RFC 8187 attr-chars that need no escaping, ASCII only.
    static let attributeCharacters = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func suffix(for mediaType: String) -> String {
        switch MediaTypeSniffer.essence(mediaType) {
        case "application/pdf": ".pdf"
        case "image/png": ".png"
        case "image/jpeg": ".jpg"
        case "application/json": ".json"
        case "application/dicom": ".dcm"
        case "text/plain": ".txt"
        default: ".bin"
        }
    }
}
