import AsyncHTTPClient
import Foundation
import MedLedgerCore
import MedLedgerNode
import NIOCore

/// Calls a tlog-witness's `add-checkpoint` over HTTP(S).
///
/// It uses one shared AsyncHTTPClient (by default ``HTTPClient/shared``), whose pool keeps
/// connections alive between calls, as the spec asks clients to: a checkpoint is sent every few
/// milliseconds under load, and a new TCP (and TLS) handshake each time would dominate.
public struct HTTPWitnessClient: WitnessClient {
    /// The witness's submission prefix, without a trailing slash (`https://witness.example/w1`).
    public let submissionPrefix: String
    let client: HTTPClient
    let timeout: Duration

    /// The longest answer read: a few cosignature lines.
    static let maxAnswer = 64 * 1024

    /// `timeout` bounds one request; the node's witnessing applies its own, shorter one on top.
    public init(submissionPrefix: String, client: HTTPClient = .shared, timeout: Duration = .seconds(10)) {
        var prefix = submissionPrefix
        while prefix.hasSuffix("/") { prefix.removeLast() }
        self.submissionPrefix = prefix
        self.client = client
        self.timeout = timeout
    }

    public func addCheckpoint(oldSize: UInt64, proof: [TreeHash], checkpoint: SignedNote) async throws -> WitnessAnswer {
        var request = HTTPClientRequest(url: submissionPrefix + "/add-checkpoint")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        request.body = .bytes(ByteBuffer(string: AddCheckpointRequest(oldSize: oldSize, proof: proof, checkpoint: checkpoint).serialized))
        let response = try await client.execute(request, timeout: TimeAmount(timeout))
        let body = String(buffer: try await response.body.collect(upTo: Self.maxAnswer))
        switch response.status.code {
        case 200:
            // As the spec suggests: the lines appended to the checkpoint text form a note to parse.
            guard let note = try? SignedNote.parse(checkpoint.text + "\n" + body) else {
                return .failure("the witness answered 200 without well-formed cosignature lines")
            }
            return .cosignatures(note.signatures)
        case 409:
            let type = response.headers.first(name: "Content-Type")?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces)
            guard type == "text/x.tlog.size", body.hasSuffix("\n"), let size = DecimalSize.parse(body.dropLast()) else {
                return .failure("the witness answered 409 without a tree size: \(Self.excerpt(body))")
            }
            return .conflict(size: size)
        default:
            return .failure("the witness answered \(response.status.code): \(Self.excerpt(body))")
        }
    }

    /// The start of an error body, on one line, for logs.
    static func excerpt(_ body: String) -> String {
        String(body.prefix(200)).replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
    }
}
