import Foundation
import Hummingbird
import Mustache

/// Renders templates into HTML responses. Mustache escapes every `{{value}}`, so answers from the
/// ledger cannot inject markup.
struct PageRenderer: Sendable {
    let library: MustacheLibrary

    static func load(root: URL) async throws -> PageRenderer {
        PageRenderer(library: try await MustacheLibrary(directory: root.appendingPathComponent("templates").path))
    }

    func render(_ template: String, context: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(context, withTemplate: template)
            ?? library.render(["message": "This page could not be shown.", "title": "Error"], withTemplate: "error")
            ?? "<!doctype html><title>Error</title><p>This page could not be shown.</p>"
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }
}
