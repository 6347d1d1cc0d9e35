import ArgumentParser
import Foundation
import MedLedgerCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The commands' one way to reach a running node over HTTP: checks `--url` once, then posts signed
/// bodies and hands back the status and body for the command to report.
struct NodeClient {
    let base: URL

    /// Throws a usage error unless `url` is an http or https URL.
    init(url: String) throws {
        guard let base = URL(string: url), base.scheme == "http" || base.scheme == "https" else {
            throw ValidationError("--url must be an http or https URL.")
        }
        self.base = base
    }

    /// POSTs `body` to `target` (`/path?query`) below the base URL, which may itself have a path.
    func post(_ target: String, body: Data, contentType: String, authorization: String? = nil) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: try endpoint(target))
        request.httpMethod = "POST"
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        request.httpBody = body
        return try await send(request)
    }

    /// The ledger's checkpoint origin, which every payload signed for it must name: the name part
    /// of the node's `GET /log-key` (`<origin>+<key hash>+<key>`).
    func origin() async throws -> String {
        let (status, data) = try await send(URLRequest(url: try endpoint("/log-key")))
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 200, let verifier = NoteVerifierKey(vkey: text) else {
            throw CLIError("The node at \(base.absoluteString) did not give its log key (status \(status)); pass --origin.")
        }
        return verifier.name
    }

    private func endpoint(_ target: String) throws -> URL {
        var prefix = base.absoluteString
        while prefix.hasSuffix("/") { prefix.removeLast() }
        guard let endpoint = URL(string: prefix + target) else { throw ValidationError("--url is not a base URL.") }
        return endpoint
    }

    private func send(_ request: URLRequest) async throws -> (status: Int, body: Data) {
        do {
            let (data, response) = try await URLSession(configuration: .ephemeral).data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
        } catch {
            throw CLIError("The node at \(base.absoluteString) cannot be reached (\(error.localizedDescription)).")
        }
    }
}
