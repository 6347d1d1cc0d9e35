import Foundation
import MedLedgerCore
import MedLedgerNode

extension SessionReader {
    /// One read a page makes, under the name its template knows it by.
    struct NamedRead: Sendable {
        var name: String
        var type: String
        var body: JSONValue
    }

    /// The further reads a page adds once it knows what its own reads show (the names of the
    /// patients listed, the reason of each pending request), from the answers the contracts would
    /// give them, by read name.
    typealias FollowUps = @Sendable ([String: QueryAnswer]) -> [NamedRead]

    /// Runs a whole page view as ONE ledger entry (`page.view`) signed with the session key, and
    /// spends one unit of the session key's `queries` budget for it (over it,
    /// ``RateLimitedError`` is thrown and nothing is read).
    ///
    /// The contracts are asked first, on the current state and without sequencing anything
    /// (``LedgerNode/preview(_:)``): reads they would refuse are left out of the entry — a page never
    /// puts an attempt on the ledger nobody made — and answered with the plain reason
    /// (``DenialText``). `followUps` then adds its reads, decided the same way, and the remaining
    /// reads are sequenced together. A read whose body is not valid is answered with the reason.
    /// Returns every read's outcome by name, follow-ups included.
    func readPage(_ reads: [NamedRead], session: WebSession, followUps: FollowUps? = nil) async throws -> [String: Outcome] {
        guard !reads.isEmpty else { return [:] }
        try await limits.admit(.queries, key: session.sessionAddress, accounts: [session.account])
        var outcomes: [String: Outcome] = [:]
        // Each set of reads is signed and verified once: the screening, the previews and the
        // entry itself share the transaction while the set is unchanged.
        let signed = SignedReadSets(reader: self, session: session)
        var pending = try await screened(reads, signed: signed, outcomes: &outcomes)
        if let followUps, !pending.isEmpty {
            let previewed = try await allowedByPreview(pending, signed: signed, outcomes: &outcomes)
            pending = previewed.reads
            let added = followUps(previewed.answers).filter { outcomes[$0.name] == nil && !pending.map(\.name).contains($0.name) }
            pending = try await screened(Array((pending + added).prefix(PageView.readLimit)), signed: signed, outcomes: &outcomes)
        }
        // A read allowed a moment ago may be refused now (a grant ended): decide again until the
        // entry holds only reads the contracts allow.
        for _ in 0..<3 where !pending.isEmpty {
            let previewed = try await allowedByPreview(pending, signed: signed, outcomes: &outcomes)
            let unchanged = previewed.reads.count == pending.count
            pending = previewed.reads
            if unchanged { break }
        }
        guard !pending.isEmpty else { return outcomes }
        try await sequence(pending, signed: signed, outcomes: &outcomes)
        return outcomes
    }

    /// Runs reads an app asked for (the FHIR API) as ONE page view, without asking the contracts
    /// first: unlike a page, which only shows what it may, the request is the app's own attempt,
    /// so a read the contracts refuse is recorded on the ledger as refused, like any denied
    /// action. Spends one unit of the session key's `queries` budget. Returns every read's outcome
    /// by name; a read whose body is not valid is answered with the reason and not sent.
    func readAsAsked(_ reads: [NamedRead], session: WebSession) async throws -> [String: Outcome] {
        guard !reads.isEmpty else { return [:] }
        try await limits.admit(.queries, key: session.sessionAddress, accounts: [session.account])
        var outcomes: [String: Outcome] = [:]
        let signed = SignedReadSets(reader: self, session: session)
        let pending = try await screened(reads, signed: signed, outcomes: &outcomes)
        guard !pending.isEmpty else { return outcomes }
        try await sequence(pending, signed: signed, outcomes: &outcomes)
        return outcomes
    }

    /// Sequences `reads` as one entry and puts each read's answer, or the reason it was refused,
    /// in `outcomes`. When every read was refused the entry gives the first reason (a lone read
    /// its own), and each read is answered with it.
    private func sequence(_ reads: [NamedRead], signed: SignedReadSets, outcomes: inout [String: Outcome]) async throws {
        do {
            let result = try await node.query(verified: try signed.transaction(for: reads))
            if let read = Self.standalone(reads) {
                outcomes[read.name] = .answered(result)
                return
            }
            for (read, part) in zip(reads, result.reads ?? []) {
                switch part {
                case .answered(let answered): outcomes[read.name] = .answered(answered)
                case .refused(let reason): outcomes[read.name] = .refused(DenialText.plain(reason))
                }
            }
        } catch QueryError.denied(let receipt) {
            let message = DenialText.plain(receipt.contract?.event.message ?? "Denied.")
            for read in reads { outcomes[read.name] = .refused(message) }
        }
    }

    /// The page view transactions of one `readPage`, by the names of the reads they hold (a page's
    /// read names are unique and their bodies fixed for the view).
    final class SignedReadSets {
        let reader: SessionReader
        let session: WebSession
        private var verified: [[String]: VerifiedTransaction] = [:]

        init(reader: SessionReader, session: WebSession) {
            self.reader = reader
            self.session = session
        }

        /// The signed and verified page view of `reads`; throws ``EnvelopeError`` when a body is not valid.
        func transaction(for reads: [NamedRead]) throws -> VerifiedTransaction {
            let key = reads.map(\.name)
            if let known = verified[key] { return known }
            let transaction = try reader.node.verify(try reader.envelope(reads, session: session))
            verified[key] = transaction
            return transaction
        }
    }

    /// The page view's envelope: `{"reads": [{"type": …, "body": …}, …]}`, signed with the session
    /// key; a page's only read that a page view may not hold (a print, a copy) is signed as itself,
    /// so its entry says what was done.
    fileprivate func envelope(_ reads: [NamedRead], session: WebSession) throws -> [UInt8] {
        let signer = EnvelopeSigner(key: session.key, origin: node.origin)
        if let read = Self.standalone(reads) {
            return try signer.sign(type: read.type, body: read.body, expires: node.clock() + 60_000)
        }
        let body = JSONValue.object(["reads": .array(reads.map { .object(["type": .string($0.type), "body": $0.body]) })])
        return try signer.sign(type: PageView.transactionType, body: body, expires: node.clock() + 60_000)
    }

    /// The page's one read when it is not one a page view may hold (``PageRead/mayHold(_:)``).
    static func standalone(_ reads: [NamedRead]) -> NamedRead? {
        guard reads.count == 1, let read = reads.first, !PageRead.mayHold(read.type) else { return nil }
        return read
    }

    /// The reads whose bodies are valid on their own (at most ``PageView/readLimit``); the others
    /// get the reason in `outcomes`. One signature check covers the usual case where all are valid.
    private func screened(_ reads: [NamedRead], signed: SignedReadSets, outcomes: inout [String: Outcome]) async throws -> [NamedRead] {
        guard !reads.isEmpty else { return [] }
        let session = signed.session
        var valid: [NamedRead] = []
        if reads.count <= PageView.readLimit, (try? signed.transaction(for: reads)) != nil { return reads }
        for read in reads {
            do {
                _ = try node.verify(try EnvelopeSigner(key: session.key, origin: node.origin).sign(
                    type: read.type, body: read.body, expires: node.clock() + 60_000))
                if valid.count < PageView.readLimit {
                    valid.append(read)
                } else {
                    outcomes[read.name] = .refused("This page makes more reads than one page view may hold.")
                }
            } catch let error as EnvelopeError {
                outcomes[read.name] = .refused(error.description)
            }
        }
        return valid
    }

    /// The reads the contracts would allow now, with their answers by name; refused ones get the
    /// plain reason in `outcomes`.
    private func allowedByPreview(
        _ reads: [NamedRead], signed: SignedReadSets, outcomes: inout [String: Outcome]
    ) async throws -> (reads: [NamedRead], answers: [String: QueryAnswer]) {
        let session = signed.session
        let preview = await node.preview(try signed.transaction(for: reads))
        guard let preview else { return (reads, [:]) }
        if let read = Self.standalone(reads) {
            guard preview.allowed else {
                outcomes[read.name] = .refused(DenialText.plain(preview.event.message))
                return ([], [:])
            }
            return ([read], preview.answer.map { [read.name: $0] } ?? [:])
        }
        guard case .page(let parts)? = preview.answer else {
            // Every read was refused; a page view denied as a whole gives only the first reason,
            // so each read is asked alone for its own.
            for read in reads {
                let alone = await node.preview(try node.verify(try envelope([read], session: session)))
                outcomes[read.name] = .refused(DenialText.plain(alone?.event.message ?? preview.event.message))
            }
            return ([], [:])
        }
        var allowed: [NamedRead] = []
        var answers: [String: QueryAnswer] = [:]
        for (read, part) in zip(reads, parts) {
            switch part {
            case .answered(let answer):
                allowed.append(read)
                answers[read.name] = answer
            case .refused(let reason):
                outcomes[read.name] = .refused(DenialText.plain(reason))
            }
        }
        return (allowed, answers)
    }
}
