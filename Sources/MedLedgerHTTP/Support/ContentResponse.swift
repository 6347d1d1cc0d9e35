import Foundation
import Hummingbird
import MedLedgerCore

/// Streams decrypted content as a file download: `Content-Disposition` with the stored name, the
/// stored media type, `ETag` = the ciphertext's CID, and single byte ranges (`Range: bytes=…`, 206
/// or 416) so players and PDF viewers can seek. Plaintext is decrypted segment by segment as the
/// client reads; memory stays bounded whatever the file's size.
enum ContentResponse {
    /// A parsed `Range` header against a body of `size` bytes.
    enum RangeRequest: Equatable {
        /// No range, several ranges (served whole, as RFC 9110 allows), or an If-Range mismatch.
        case whole
        case partial(Range<Int64>)
        case unsatisfiable
    }

    static func make(reader: any BlobReader, request: Request, fallbackName: String) -> Response {
        let cid = reader.cid
        let size = reader.size
        var range = parse(request.headers[.range], size: size)
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

    /// Parses one `bytes=` range; anything else is served whole.
    static func parse(_ header: String?, size: Int64) -> RangeRequest {
        guard let header, header.hasPrefix("bytes=") else { return .whole }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(",") else { return .whole }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .whole }
        let first = parts[0].trimmingCharacters(in: .whitespaces)
        let last = parts[1].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            // A suffix: the last N bytes.
            guard let count = Int64(last), count > 0 else { return last.isEmpty ? .whole : .unsatisfiable }
            guard size > 0 else { return .unsatisfiable }
            return .partial(max(0, size - count)..<size)
        }
        guard let start = Int64(first), start >= 0 else { return .whole }
        guard start < size else { return .unsatisfiable }
        if last.isEmpty { return .partial(start..<size) }
        guard let end = Int64(last), end >= start else { return .whole }
        // `end` is the client's number: clamp it to the last byte before adding one.
        return .partial(start..<(min(end, size - 1) + 1))
    }

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
