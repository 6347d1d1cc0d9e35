import AsyncHTTPClient
import Foundation
import MedLedgerClient
import MedLedgerCore
import NIOCore
import NIOHTTP1

/// The server under load: where the open-loop generator connects, and a ``MedLedgerClient`` for
/// the one-off requests around a measurement (set-up, sign-in, probes).
struct HTTPEndpoint: CustomStringConvertible, Sendable {
    let host: String
    let port: Int
    let client: MedLedgerClient

    /// - Parameter httpClient: the pool the one-off requests use; it must not follow redirects,
    ///   since a redirect to the log-in page is how a page that needs signing in is recognised.
    init(_ url: String, httpClient: HTTPClient = MedLedgerClient.sharedHTTPClient) throws {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw BenchError("--url is not a URL: \(url)")
        }
        guard components.scheme == "http" else { throw BenchError("--url must be http:// (the load generator does not speak TLS).") }
        self.host = host
        port = components.port ?? 80
        client = try MedLedgerClient(url: "http://\(port == 80 ? host : "\(host):\(port)")", httpClient: httpClient)
    }

    var description: String { "http://\(hostHeader)" }
    var hostHeader: String { port == 80 ? host : "\(host):\(port)" }

    /// One request: a JSON body when given, the session cookie when signed in; `closing` asks
    /// for the connection to be closed after the answer, as a client that never comes back.
    func request(
        method: HTTPMethod = .GET, path: String, cookie: String? = nil, body: [UInt8]? = nil, closing: Bool = false
    ) async throws -> ClientAnswer {
        var headers: [(String, String)] = closing ? [("Connection", "close")] : []
        if let cookie { headers.append(("Cookie", cookie)) }
        if body != nil { headers.append(("Content-Type", "application/json")) }
        return try await client.send(method, path, body: body, headers: headers)
    }

    /// Polls `/checkpoint` until the server answers (it starts in a task of its own).
    func waitUntilServing() async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while true {
            if let answer = try? await request(path: "/checkpoint"), answer.status == 200 { return }
            guard clock.now < deadline else { throw BenchError("the in-process server did not start on \(description)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
