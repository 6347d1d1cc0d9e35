import Foundation
import MedLedgerCore
import NIOHTTP1

/// A node's whole answer to one request.
public struct ClientAnswer: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: [UInt8]

    public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Where a redirect points.
    public var location: String? { headers["Location"].first }

    /// The body read as `Answer`; an error naming the answer when it is not that shape.
    public func decode<Answer: Decodable>(_ type: Answer.Type) throws -> Answer {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch {
            throw MedLedgerClientError.unexpected(String(describing: type), status, excerpt)
        }
    }

    /// The node's error detail, when the body is an API error.
    public var error: ErrorDetail? { (try? JSONDecoder().decode(ErrorBody.self, from: Data(body)))?.error }

    /// The start of the body on one line, for messages.
    public var excerpt: String {
        String(decoding: body.prefix(300), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
    }

    /// The error for an answer the caller did not expect: the node's own code and message when
    /// it sent one.
    public func refusal(_ target: String) -> MedLedgerClientError {
        if let error { return .refused(status, error) }
        return .unexpected(target, status, excerpt)
    }
}
