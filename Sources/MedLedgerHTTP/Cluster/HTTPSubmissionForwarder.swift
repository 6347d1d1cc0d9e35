import AsyncHTTPClient
import Crypto
import Foundation
import HTTPTypes
import MedLedgerCore
import MedLedgerNode
import NIOCore
import NIOPosix

/// Hands submissions to the sequencing node over HTTP: `POST {endpoint}/internal/v1/sequence` with
/// the envelope as the body and its ``HandOnKey`` tag in `MedLedger-Hand-On`; the answer is a
/// ``HandedOnAnswer``.
///
/// Internal HTTP rather than a queue table in PostgreSQL: the submission joins the sequencer's next
/// group commit directly, one hop, and is answered only once its block is durable, exactly as a
/// client talking to the sequencer would be; a queue would add writes and polling to every
/// submission and a table to clean up.
public struct HTTPSubmissionForwarder: SubmissionForwarder {
    let client: HTTPClient
    let key: SymmetricKey
    let verifier: NoteVerifierKey
    /// The longest a handed-on submission may take (a block waits for at most one other to commit);
    /// beyond it the sequencer is taken to be stuck and the client is told to try again.
    let timeout: Duration

    public init(signingKey: NoteSigningKey, client: HTTPClient = HTTPSubmissionForwarder.sharedClient, timeout: Duration = .seconds(10)) {
        self.client = client
        self.key = HandOnKey.derive(from: signingKey)
        self.verifier = signingKey.verifierKey
        self.timeout = timeout
    }

    /// One client for the process, never shut down (like `HTTPClient.shared`), with room for many
    /// submissions in flight to the sequencer at once: each holds its connection until its block
    /// commits, so the usual eight connections per host would cap a node at a few hundred writes
    /// a second.
    public static let sharedClient = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(
            timeout: .init(connect: .seconds(2)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 1_024)))

    /// Answers larger than this are not receipts.
    static let maxAnswer = 16 << 20

    public func forward(_ envelope: [UInt8], to endpoint: String) async throws -> Receipt {
        var request = HTTPClientRequest(url: endpoint + "/internal/v1/sequence")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.headers.add(name: HandOnHeader.name, value: HandOnKey.tag(envelope, key: key))
        request.body = .bytes(ByteBuffer(bytes: envelope))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: TimeAmount(timeout))
        } catch {
            throw Self.isConnectFailure(error) ? ForwardingError.unreachable("\(error)") : ForwardingError.outcomeUnknown("\(error)")
        }
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: Self.maxAnswer)
        } catch {
            throw ForwardingError.outcomeUnknown("\(error)")
        }
        switch response.status.code {
        case 200:
            guard let answer = try? JSONDecoder().decode(HandedOnAnswer.self, from: Data(buffer: body)) else {
                throw ForwardingError.outcomeUnknown("the sequencer's answer is not readable")
            }
            return try answer.result(verifier: verifier)
        case 401:
            throw ForwardingError.unreachable("the node at \(endpoint) refused the hand-on: it is not a node of this ledger")
        default:
            throw ForwardingError.outcomeUnknown("the sequencer answered \(response.status.code)")
        }
    }

    /// True for failures before the request could have been delivered (no connection was made).
    static func isConnectFailure(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        if let error = error as? IOError, [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH].contains(error.errnoCode) { return true }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        return false
    }
}

/// The header a handed-on submission carries its tag in.
enum HandOnHeader {
    static let name = "MedLedger-Hand-On"
    // A valid header field name, checked by the test of the hand-on route.
    static let field = HTTPField.Name(name)!
}
