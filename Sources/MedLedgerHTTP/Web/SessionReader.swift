import Foundation
import MedLedgerCore
import MedLedgerNode

/// Runs a page's reads through the ledger, signed with the session key, so every page view is an
/// audited read exactly like one a user signs themselves. Each read spends one unit of the session
/// key's `queries` budget first; over it, ``RateLimitedError`` is thrown and nothing is read.
struct SessionReader: Sendable {
    let node: LedgerNode
    var limits: RequestLimits = .unlimited

    /// The outcome of one read: the answer, or the plain reason it was refused.
    enum Outcome: Sendable {
        case answered(QueryResult)
        case refused(String)
    }

    /// Runs one read; with `loadContent` false a record read only decides (the caller streams the
    /// content with ``LedgerNode/openContent(of:)``).
    func read(_ body: some TransactionBody, session: WebSession, loadContent: Bool = true) async throws -> Outcome {
        try await limits.admit(.queries, key: session.sessionAddress, accounts: [session.account])
        return try await run(try EnvelopeSigner(key: session.key, origin: node.origin).sign(body, expires: node.clock() + 60_000), loadContent: loadContent)
    }

    /// Runs one read the web server signed for the signed-in account. The contracts are asked
    /// first, on the current state and without sequencing anything: a read they would refuse is
    /// not issued — a page never puts an attempt on the ledger that nobody made — and the page
    /// says in plain words why the account has no access (``DenialText``).
    private func run(_ envelope: [UInt8], loadContent: Bool = true) async throws -> Outcome {
        do {
            let transaction = try node.verify(envelope)
            if let preview = await node.preview(transaction), !preview.allowed {
                return .refused(DenialText.plain(preview.event.message))
            }
            return .answered(try await node.query(verified: transaction, loadContent: loadContent))
        } catch QueryError.denied(let receipt) {
            let message = receipt.contract?.event.message ?? "Denied."
            return .refused(DenialText.plain(message))
        } catch let error as EnvelopeError {
            return .refused(error.description)
        } catch let error as QueryError {
            return .refused(error.description)
        }
    }

    /// The plain message for content that could not be produced. The failure is also put on the
    /// ledger as the reader's report, so a missing or altered object shows in the record's trail.
    func reportContentFailure(_ error: BlobStoreError, result: QueryResult, session: WebSession) async -> String {
        let problem: ReportContentFailure.Problem
        switch error {
        case .erased:
            return "This content was erased at the patient's request; it no longer exists."
        case .notFound:
            problem = .missing
        default:
            problem = .integrity
        }
        let report: ReportContentFailure?
        switch result.answer {
        case .record(let record, let version):
            report = ReportContentFailure(record: record.id, version: version.number, content: version.content, problem: problem)
        case .profile(let account, let content, _):
            report = ReportContentFailure(account: account.address, content: content, problem: problem)
        default:
            report = nil
        }
        var recorded = false
        if let report, let envelope = try? EnvelopeSigner(key: session.key, origin: node.origin).sign(report, expires: node.clock() + 60_000) {
            recorded = (try? await node.submit(envelope))?.contract != nil
        }
        let what = problem == .missing ? "is missing from the content store" : "failed its integrity check (it was altered or damaged)"
        return "The content could not be read: it \(what). Nothing was shown."
            + (recorded ? " The failure is recorded in the record's trail." : " The failure could not be recorded on the ledger.")
    }
}
