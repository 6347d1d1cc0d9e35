import Foundation
import MedLedgerCore
import MedLedgerNode

extension PageController {
    /// Runs a page's reads as one page view (``SessionReader/readPage(_:session:followUps:)``): the
    /// page's own reads, then the names of the patients they show (the `patientNames` flag) and the
    /// reason of each pending access request (the `requestReasons` provider), all in one ledger
    /// entry. Each read's answer goes into `context` under its name; the names go to `values`.
    /// Returns every read's outcome by name, for the providers (follow-up reads included).
    func runReads(
        _ reads: [String: PageSpec.Read], of page: PageSpec, session: WebSession, directory: [AccountAddress: Account],
        params: [String: String], query: [String: String], values: inout TemplateValue, context: inout [String: Any]
    ) async throws -> [String: SessionReader.Outcome] {
        var limits: [String: Int64] = [:]
        var named: [SessionReader.NamedRead] = []
        for (name, read) in reads.sorted(by: { $0.key < $1.key }) {
            let body = PageSpec.fill(read.body, params: params, query: query, me: session.account) ?? .object([:])
            if case .int(let limit)? = body["limit"] ?? body["query"]?["limit"] { limits[name] = limit }
            named.append(SessionReader.NamedRead(name: name, type: read.type, body: body))
        }
        // The whole page is one `page.view` entry: its reads, the names of the patients they
        // show and the reasons of pending access requests, decided together.
        let about = params["patient"].flatMap(AccountAddress.init)
        let wantsNames = page.flags?.contains(Self.patientNamesFlag) == true
        let wantsReasons = page.providers?.contains(.requestReasons) == true
        let account = session.account
        let pageOutcomes = try await reader.readPage(named, session: session) { answers in
            var added: [SessionReader.NamedRead] = []
            let shown = reads.keys.sorted().compactMap { answers[$0] }
            if wantsNames, let names = Self.namesRead(in: shown, about: about, directory: directory, reader: account),
                let body = try? JSONValue.of(names)
            {
                added.append(SessionReader.NamedRead(name: Self.namesReadName, type: ViewNames.transactionType, body: body))
            }
            if wantsReasons {
                for id in Self.pendingRequests(in: answers["requests"], patient: account) {
                    guard let body = try? JSONValue.of(ViewDocument(kind: .reason, id: id)) else { continue }
                    added.append(SessionReader.NamedRead(name: Self.reasonReadName(id), type: ViewDocument.transactionType, body: body))
                }
            }
            return added
        }
        let answered = reads.keys.sorted().compactMap { name in pageOutcomes[name].map { (name, $0) } }
        // Follow-up reads go to the providers (request reasons), never into the template as reads.
        var outcomes = pageOutcomes.filter { reads[$0.key] == nil }
        if wantsNames {
            if case .answered(let result)? = pageOutcomes[Self.namesReadName] { values.names = result.names ?? [:] }
            // The page's own patient (a `{patient}` path parameter), for its heading.
            if let about, let name = values.names[about] { context["patientName"] = name }
        }
        let now = node.clock()
        for (name, outcome) in answered {
            outcomes[name] = outcome
            var value = try Self.value(of: outcome, values: values, now: now, viewer: session.account)
            if case .answered(let result) = outcome, let error = result.contentError, var fields = value as? [String: Any] {
                fields["contentError"] = await reader.reportContentFailure(error, result: result, session: session)
                value = fields
            }
            // A full page of a limited list may have more after it: say so, with where to go on.
            if var list = value as? [String: Any], let items = list["items"] as? [[String: Any]], let limit = limits[name],
                items.count >= limit
            {
                list["more"] = true
                if let last = items.last?["index"] as? Int { list["nextAfter"] = last }
                value = list
            }
            if case .answered(let result) = outcome, result.events != nil, var list = value as? [String: Any],
                let items = list["items"] as? [[String: Any]]
            {
                list["items"] = await linkJustifications(items)
                value = list
            }
            context[name] = value
        }
        return outcomes
    }

    /// The page flag that shows patients by name: the patients the page's reads name are looked up
    /// with one `profile.names` read, part of the page view, which returns only the names the
    /// reader may see.
    static var patientNamesFlag: String { "patientNames" }

    /// The name of the names read a page view adds (not a read name any page table uses).
    static var namesReadName: String { "#names" }

    /// The name of the read of access request `id`'s reason a page view adds.
    static func reasonReadName(_ id: String) -> String { "#reason/" + id }

    /// The names read for the page's patient (`about`) and the patients (other than the reader)
    /// that `answers` name: at most ``ViewNames/accountLimit`` patients, in the order the page
    /// lists them; nil when there are none.
    static func namesRead(
        in answers: [QueryAnswer], about: AccountAddress? = nil, directory: [AccountAddress: Account], reader: AccountAddress
    ) -> ViewNames? {
        var patients: [AccountAddress] = []
        var seen: Set<AccountAddress> = [reader]
        if let about, about != reader, directory[about]?.role == .patient {
            patients.append(about)
            seen.insert(about)
        }
        for answer in answers {
            for patient in Self.patients(in: answer) where directory[patient]?.role == .patient {
                if seen.insert(patient).inserted { patients.append(patient) }
            }
        }
        guard !patients.isEmpty else { return nil }
        return ViewNames(accounts: Array(patients.prefix(ViewNames.accountLimit)))
    }

    /// The access requests in a `requests` answer that wait for `patient`'s decision.
    static func pendingRequests(in answer: QueryAnswer?, patient: AccountAddress) -> [String] {
        guard case .accessRequests(let requests)? = answer else { return [] }
        return requests.filter { $0.status == .pending && $0.patient == patient }.map(\.id)
    }
}
