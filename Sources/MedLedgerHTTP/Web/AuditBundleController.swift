import Foundation
import Hummingbird
import MedLedgerCore
import MedLedgerNode

/// `GET /records/{record}/audit-bundle`: the signed-in patient's or auditor's offline audit bundle
/// of a record. The trail read behind it is signed with the session key, so the contracts decide
/// and the export is on the record's trail like any read. The auditor's page also fetches it to
/// verify the trail's proofs in the browser.
struct AuditBundleController<Context: WebSessionRequestContext>: Sendable {
    let node: LedgerNode
    let renderer: PageRenderer
    let bundleCheckpoint: @Sendable () async -> SignedCheckpoint?
    /// The budgets the bundle's read spends (per session key).
    var limits: RequestLimits = .unlimited

    /// `router` is a group that requires a session (``RequireSessionMiddleware``).
    func addRoutes(to router: some RouterMethods<Context>) {
        router.get("records/:record/audit-bundle", use: bundle)
    }

    @Sendable func bundle(_ request: Request, context: Context) async throws -> Response {
        let session = try context.requireSession()
        let record = try context.parameters.require("record")
        let outcome = try await SessionReader(node: node, limits: limits).read(QueryTrail(record: record, limit: 1), session: session)
        guard case .answered = outcome else {
            let reason: String
            if case .refused(let text) = outcome { reason = text } else { reason = "The trail cannot be read." }
            return renderer.render("error", context: ["title": "Not available", "message": reason], status: .forbidden)
        }
        return try await AuditController<Context>.bundleResponse(node: node, record: record, checkpoint: await bundleCheckpoint())
    }
}
