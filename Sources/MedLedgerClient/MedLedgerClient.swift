import AsyncHTTPClient
import Crypto
import Foundation
import MedLedgerCore
import NIOCore
import NIOHTTP1

/// The one way to call a MedLedger node over HTTP(S): the command-line tools, the benchmarks and
/// the end-to-end tests' Swift side all go through it, and it reads the node's answers with the
/// node's own wire types (``SubmitResponse``, ``ErrorBody``, ``TallyResponse``…), so the two
/// sides cannot drift apart.
///
/// It runs on AsyncHTTPClient, whose pool keeps connections alive between calls. Every answer is
/// read up to a bound (``maxAnswerBytes``), and every call has a deadline.
public struct MedLedgerClient: Sendable {
    /// The node's base URL without a trailing slash; it may carry a path prefix.
    public let baseURL: String
    let http: HTTPClient
    let timeout: Duration

    /// The process's pool for calls to nodes: like AsyncHTTPClient's shared one, but it never
    /// follows redirects, since a node's redirect (to the log-in page, say) is an answer to report.
    public static let sharedHTTPClient = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: pooledConfiguration(connections: 8)
    )

    /// A pool configuration for calls to nodes: no redirects followed, up to `connections`
    /// kept-alive connections per node (load generators ask for as many as they have callers).
    public static func pooledConfiguration(connections: Int) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, connections))
        return configuration
    }

    /// The longest answer read (audit bundles of large trails are the biggest).
    public static let maxAnswerBytes = 256 << 20

    /// - Parameters:
    ///   - url: an `http://` or `https://` base URL.
    ///   - httpClient: the pool to use; the process-wide shared one unless a caller needs its own
    ///     event loops (load generators keep theirs apart from the server they measure).
    ///   - timeout: the deadline of each call.
    public init(url: String, httpClient: HTTPClient = MedLedgerClient.sharedHTTPClient, timeout: Duration = .seconds(60)) throws(MedLedgerClientError) {
        guard let components = URLComponents(string: url), components.scheme == "http" || components.scheme == "https",
            let host = components.host, !host.isEmpty, components.query == nil, components.fragment == nil
        else { throw .badURL(url) }
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        baseURL = base
        http = httpClient
        self.timeout = timeout
    }

    // MARK: Requests

    /// Sends one request to `target` (a path with an optional query, below the base URL) and
    /// reads the whole answer.
    public func send(
        _ method: HTTPMethod, _ target: String, body: [UInt8]? = nil, headers: [(String, String)] = []
    ) async throws -> ClientAnswer {
        guard target.hasPrefix("/") else { throw MedLedgerClientError.badURL(target) }
        var request = HTTPClientRequest(url: baseURL + target)
        request.method = method
        request.headers.add(name: "User-Agent", value: "medledger")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: TimeAmount(timeout))
        } catch {
            throw MedLedgerClientError.unreachable(baseURL, String(describing: error))
        }
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: Self.maxAnswerBytes)
        } catch {
            throw MedLedgerClientError.unreadableAnswer(target, String(describing: error))
        }
        return ClientAnswer(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
    }

    /// GET of `target`, with a session cookie when signed in.
    public func get(_ target: String, cookie: String? = nil) async throws -> ClientAnswer {
        try await send(.GET, target, headers: cookie.map { [("Cookie", $0)] } ?? [])
    }

    /// POST of a JSON body.
    public func postJSON(_ target: String, _ body: [UInt8], headers: [(String, String)] = []) async throws -> ClientAnswer {
        try await send(.POST, target, body: body, headers: [("Content-Type", "application/json")] + headers)
    }

    // MARK: The log

    /// The node's log verifier key (`GET /log-key`).
    public func logKey() async throws -> NoteVerifierKey {
        let answer = try await get("/log-key")
        let text = String(decoding: answer.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard answer.status == 200, let key = NoteVerifierKey(vkey: text) else {
            throw MedLedgerClientError.unexpected("/log-key", answer.status, answer.excerpt)
        }
        return key
    }

    /// The ledger's checkpoint origin, which every payload signed for it must name.
    public func origin() async throws -> String { try await logKey().name }

    /// The latest signed checkpoint note (`GET /checkpoint`).
    public func checkpoint() async throws -> String {
        let answer = try await get("/checkpoint")
        guard answer.status == 200 else { throw MedLedgerClientError.unexpected("/checkpoint", answer.status, answer.excerpt) }
        return String(decoding: answer.body, as: UTF8.self)
    }

    // MARK: Transactions and reads

    /// Submits a signed envelope (`POST /v1/transactions`). A denial is an answer, not an error:
    /// the action is on the ledger with its receipt.
    public func submit(_ envelope: [UInt8]) async throws -> Submission {
        let answer = try await postJSON("/v1/transactions", envelope)
        switch answer.status {
        case 201: return .sequenced(try answer.decode(SubmitResponse.self))
        case 403:
            let body = try answer.decode(ErrorBody.self)
            if let receipt = body.receipt { return .denied(receipt, reason: body.error.message) }
            throw MedLedgerClientError.refused(answer.status, body.error)
        default: throw answer.refusal("/v1/transactions")
        }
    }

    /// Sends a signed read (`POST /v1/queries`); the answer's JSON is the caller's to read.
    public func query(_ envelope: [UInt8]) async throws -> ClientAnswer {
        try await postJSON("/v1/queries", envelope)
    }

    /// Asks the node to check that a record's trail tallies with what is stored
    /// (`POST /v1/audit/tally`, with a signed `audit.trail` read of the record).
    public func tally(trailRead envelope: [UInt8]) async throws -> TallyResponse {
        let answer = try await postJSON("/v1/audit/tally", envelope)
        guard answer.status == 200 else { throw answer.refusal("/v1/audit/tally") }
        return try answer.decode(TallyResponse.self)
    }

    /// A record's offline audit bundle (`POST /v1/audit/bundle`), as the node wrote it.
    public func auditBundle(trailRead envelope: [UInt8]) async throws -> [UInt8] {
        let answer = try await postJSON("/v1/audit/bundle", envelope)
        guard answer.status == 200 else { throw answer.refusal("/v1/audit/bundle") }
        return answer.body
    }

    /// Uploads content for `owner` (`POST /v1/blobs`), signed with the uploader's key as the
    /// `Authorization` header; returns the store's answer (201 with the CID).
    public func upload(
        _ content: [UInt8], owner: String, name: String?, mediaType: String, signingKey: P256.Signing.PrivateKey, now: Int64
    ) async throws -> ClientAnswer {
        var target = "/v1/blobs?owner=\(owner)"
        if let name, let encoded = name.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) {
            target += "&name=\(encoded)"
        }
        let signature = try RequestSignature.sign(method: "POST", target: target, time: now, body: content, with: signingKey)
        return try await send(.POST, target, body: content, headers: [("Content-Type", mediaType), ("Authorization", signature.header)])
    }

    // MARK: Signing in as the web pages do

    /// `POST /auth/prelogin`: the salt and iteration count of a username.
    public func prelogin(username: String) async throws -> PreloginResponse {
        let answer = try await postJSON("/auth/prelogin", try JSONEncoder().encode(["username": username]).bytes)
        guard answer.status == 200 else { throw answer.refusal("/auth/prelogin") }
        return try answer.decode(PreloginResponse.self)
    }

    /// `POST /auth/login` with the derived authentication key.
    public func login(username: String, authKey: String) async throws -> LoginResponse {
        let answer = try await postJSON("/auth/login", try JSONEncoder().encode(["username": username, "authKey": authKey]).bytes)
        guard answer.status == 200 else { throw answer.refusal("/auth/login") }
        return try answer.decode(LoginResponse.self)
    }

    /// `POST /auth/session` with the signed `session.open`; returns the session cookie
    /// (`ml_session=…`) for the pages.
    public func openSession(_ envelope: [UInt8]) async throws -> String {
        let answer = try await postJSON("/auth/session", envelope)
        guard answer.status == 200,
            let setCookie = answer.headers["Set-Cookie"].first(where: { $0.hasPrefix("ml_session=") }),
            let cookie = setCookie.split(separator: ";").first
        else { throw answer.refusal("/auth/session") }
        return String(cookie)
    }
}

extension Data {
    fileprivate var bytes: [UInt8] { [UInt8](self) }
}
