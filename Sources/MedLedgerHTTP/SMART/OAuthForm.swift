import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body, as OAuth's token and revocation endpoints take
/// it: read up to ``limit`` bytes, each name kept once (a repeated parameter is refused, as OAuth
/// requires), `+` read as a space.
struct OAuthForm: Sendable {
    /// The largest body read.
    static let limit = 8 * 1024

    let values: [String: String]
    let repeated: Bool

    subscript(name: String) -> String? { values[name] }

    static func read(_ request: Request) async throws -> OAuthForm? {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else { return nil }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            return nil
        }
        return parse(String(buffer: buffer))
    }

    static func parse(_ text: String) -> OAuthForm {
        var values: [String: String] = [:]
        var repeated = false
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            if values[name] != nil { repeated = true }
            values[name] = value
        }
        return OAuthForm(values: values, repeated: repeated)
    }

    private static func decode(_ part: Substring) -> String {
        String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }
}
