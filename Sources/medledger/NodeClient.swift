import ArgumentParser
import Foundation
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
        var prefix = base.absoluteString
        while prefix.hasSuffix("/") { prefix.removeLast() }
        guard let endpoint = URL(string: prefix + target) else { throw ValidationError("--url is not a base URL.") }
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        request.httpBody = body
        do {
            let (data, response) = try await URLSession(configuration: .ephemeral).data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
        } catch {
            throw CLIError("The node at \(base.absoluteString) cannot be reached (\(error.localizedDescription)).")
        }
    }
}
