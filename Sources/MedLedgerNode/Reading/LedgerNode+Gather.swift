import MedLedgerCore

extension LedgerNode {
    /// Adds to an allowed read's `result` what its answer names: the audit events of an events
    /// query, the names of a names read, the decrypted content of a record, profile or side
    /// document (when `loadContent` and it is at most ``inlineContentLimit`` bytes), and for a page
    /// view each of its reads gathered the same way (``QueryResult/reads``).
    func gather(_ result: QueryResult, loadContent: Bool) async throws -> QueryResult {
        var result = result
        switch result.answer {
        case .events(let query)?:
            let events = try await store.events(query)
            let reader = result.event.actor
            result.events = await sequencer.read { $0.eventsShown(events, query: query, to: reader) }
        case .names(let profiles)?:
            result.names = loadContent ? await names(in: profiles) : [:]
        case .page(let answers)?:
            var reads: [PageReadResult] = []
            for answer in answers {
                switch answer {
                case .answered(let answer):
                    let part = QueryResult(receipt: result.receipt, outcome: ContractOutcome(event: result.event, answer: answer))
                    reads.append(.answered(try await gather(part, loadContent: loadContent)))
                case .refused(let reason):
                    reads.append(.refused(reason))
                }
            }
            result.reads = reads
        default:
            break
        }
        if loadContent, result.contentReference != nil {
            do {
                let reader = try await openContent(of: result)
                defer { reader.close() }
                result.contentMetadata = reader.metadata
                result.contentSize = reader.size
                if reader.size <= Self.inlineContentLimit {
                    var bytes = [UInt8]()
                    bytes.reserveCapacity(Int(reader.size))
                    try await reader.read(0..<reader.size) { bytes += $0 }
                    result.content = bytes
                }
            } catch let error as BlobStoreError {
                result.content = nil
                result.contentError = error
            }
        }
        return result
    }
}
