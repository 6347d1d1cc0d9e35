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
        Self.response(html(template, context: context), status: status)
    }

    /// The page's HTML; the error page's when the template cannot be rendered.
    func html(_ template: String, context: [String: Any]) -> ByteBuffer {
        let html = library.render(context, withTemplate: template)
            ?? library.render(["message": "This page could not be shown.", "title": "Error"], withTemplate: "error")
            ?? "<!doctype html><title>Error</title><p>This page could not be shown.</p>"
        return ByteBuffer(string: html)
    }

    static func response(_ html: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"], body: .init(byteBuffer: html))
    }
}
