import Foundation
import MedLedgerCore
import MedLedgerNode

/// How a read's typed answer becomes what a page's template renders (docs/WEB.md lists the
/// shapes): the answer's own values through ``TemplateValue``, plus what the template needs
/// computed now (grants in force, upcoming appointments, invitations' standing, events in words).
extension PageController {
    /// A read's answer as the template sees it (docs/WEB.md lists the shapes).
    /// `viewer` is the signed-in account: a profile's version history is shown only to its owner.
    static func value(of outcome: SessionReader.Outcome, values: TemplateValue, now: Int64, viewer: AccountAddress? = nil) throws -> Any {
        switch outcome {
        case .refused(let reason):
            return ["denied": reason]
        case .answered(let result):
            switch result.answer {
            case .record(let record, let version):
                var value: [String: Any] = [
                    "record": try values.convert(record), "version": try values.convert(version),
                ]
                if let content = ContentDisplay.context(for: result) { value["content"] = content }
                value["receipt"] = Self.receiptContext(result.receipt)
                return value
            case .profile(let account, let cid, _):
                var value: [String: Any] = ["account": try values.convert(account)]
                if let content = ContentDisplay.context(for: result, now: now) { value["content"] = content }
                if account.address == viewer {
                    let history = Self.profileHistory(account)
                    value["history"] = history
                    // The version this read returned.
                    if let shown = account.profileHistory.first(where: { $0.content == cid }) {
                        value["shownVersion"] = (history["versions"] as? [[String: Any]])?.first { $0["number"] as? Int == shown.number }
                    }
                }
                return value
            case .document(let kind, _, _, _):
                var value: [String: Any] = ["kind": kind.rawValue, "kind_\(kind.rawValue)": true]
                if let content = ContentDisplay.context(for: result) { value["content"] = content }
                value["receipt"] = Self.receiptContext(result.receipt)
                return value
            case .some(let answer):
                let converted = try Self.converted(answer, of: result, values: values)
                if var list = converted as? [[String: Any]] {
                    var extra: [String: Any] = [:]
                    switch answer {
                    case .grants(let grants):
                        // In force now: active and not expired (the status alone does not say).
                        for index in list.indices { list[index]["inForce"] = grants[index].isActive(at: now) }
                        extra["inForceCount"] = grants.filter { $0.isActive(at: now) }.count
                    case .appointments(let appointments):
                        for index in list.indices { list[index]["upcoming"] = appointments[index].time > now }
                    case .invitations(let invitations):
                        // Open, used, revoked or expired now (the recorded status does not say expired).
                        for index in list.indices {
                            let standing = invitations[index].standing(at: now).rawValue
                            list[index]["standing"] = standing
                            list[index]["standing_\(standing)"] = true
                        }
                    case .events:
                        // Each event's purpose and action in words (ReportFields, DisclosurePurpose).
                        for (index, event) in zip(list.indices, result.events ?? []) {
                            list[index].merge(ReportFields.described(event)) { _, added in added }
                        }
                    default: break
                    }
                    return ["items": list, "count": list.count, "empty": list.isEmpty, "any": !list.isEmpty].merging(extra) { first, _ in first }
                }
                if let list = converted as? [Any] {
                    return ["items": list, "count": list.count, "empty": list.isEmpty, "any": !list.isEmpty]
                }
                return converted
            case nil:
                return [String: Any]()
            }
        }
    }

    /// The answer's values (the member the API's `result` would carry), typed.
    static func converted(_ answer: QueryAnswer, of result: QueryResult, values: TemplateValue) throws -> Any {
        switch answer {
        case .record(let record, _): try values.convert(record)
        case .records(let records): try values.convert(records)
        case .appointments(let appointments): try values.convert(appointments)
        case .grants(let grants): try values.convert(grants)
        case .accessRequests(let requests): try values.convert(requests)
        case .accounts(let accounts): try values.convert(accounts)
        case .organizations(let organizations): try values.convert(organizations)
        case .invitations(let invitations): try values.convert(invitations)
        case .apps(let apps): try values.convert(apps)
        case .appSessions(let sessions): try values.convert(sessions)
        case .patient(let summary): try values.convert(summary)
        case .profile(let account, _, _): try values.convert(account)
        case .document(let kind, _, _, _): try values.convert(kind)
        case .events: try values.convert(result.events ?? [])
        case .directory(let entries): try values.convert(entries)
        case .hospitalPatients(let rows): try values.convert(rows)
        case .names: try values.convert(QueryResultBody(result).names ?? [])
        // A page view's reads are shown one by one (`PageController.runReads`), never as a whole.
        case .page: [Any]()
        }
    }

    /// The owner's view of their profile's versions, newest first, and of a licence change waiting
    /// for an administrator (the answer carries both only for the owner and administrators).
    static func profileHistory(_ account: Account) -> [String: Any] {
        let versions = account.profileHistory
        let current = versions.last?.number
        let rows: [[String: Any]] = versions.reversed().map { version in
            var row: [String: Any] = ["number": version.number, "entry": Int(version.entry), "current": version.number == current]
            row["timeText"] = version.time.map { TemplateValue.format(time: $0) } ?? "when the account was created"
            return row
        }
        var history: [String: Any] = ["versions": rows, "count": rows.count, "any": !rows.isEmpty]
        if let change = account.licenceChange {
            var pending: [String: Any] = [
                "licence": change.licence, "certificate": change.certificate, "entry": Int(change.entry),
                "timeText": TemplateValue.format(time: change.time), "newCertificate": change.certificate != account.certificate,
            ]
            if let organization = change.organization { pending["organization"] = organization }
            history["licenceChange"] = pending
        }
        return history
    }

    /// Where a read landed on the ledger and the signed checkpoint that includes it, so a printed
    /// page can be checked against the ledger later with an inclusion proof.
    static func receiptContext(_ receipt: Receipt) -> [String: Any] {
        let checkpoint = receipt.checkpoint.checkpoint
        return [
            "index": Int(receipt.index),
            "leafHash": Hex.encode(receipt.leafHash.bytes),
            "checkpoint": [
                "origin": checkpoint.origin, "size": Int(checkpoint.size), "root": Base64Coding.standard(checkpoint.root.bytes),
                "rootHex": Hex.encode(checkpoint.root.bytes), "timeText": TemplateValue.format(time: checkpoint.time),
            ] as [String: Any],
        ]
    }
}
