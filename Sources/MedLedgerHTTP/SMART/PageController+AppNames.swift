import MedLedgerCore

extension PageController {
    /// Puts each SMART app's name (`appName`) beside the `app` of every listed item on the page —
    /// the reads of "Who saw my records" and the app sessions of the Access page — and, for an
    /// app session, its scopes in words (`scopeRows`) and its end (`expiresText`). The names come
    /// from the page's own `apps` read (`apps.list`), so they are read through the ledger like the
    /// rest of the page.
    static func nameApps(in context: inout [String: Any]) {
        guard let apps = (context["apps"] as? [String: Any])?["items"] as? [[String: Any]] else { return }
        var names: [String: String] = [:]
        for app in apps {
            if let id = app["id"] as? String, let name = app["name"] as? String { names[id] = name }
        }
        for (key, value) in context {
            guard var list = value as? [String: Any], var items = list["items"] as? [[String: Any]] else { continue }
            var changed = false
            for index in items.indices {
                guard let app = items[index]["app"] as? String else { continue }
                changed = true
                items[index]["appName"] = names[app] ?? app
                if let scopes = items[index]["scopes"] as? [String] {
                    let patient = items[index]["patient"] as? String
                    items[index]["scopeRows"] = SMARTScopeText.rows(scopes, ownData: patient != nil && patient == (context["me"] as? [String: Any])?["address"] as? String)
                }
                if items[index]["expiresText"] == nil, let expires = Self.integer(items[index]["expires"]) {
                    items[index]["expiresText"] = TemplateValue.format(time: expires)
                }
            }
            if changed {
                list["items"] = items
                context[key] = list
            }
        }
    }

    private static func integer(_ value: Any?) -> Int64? {
        switch value {
        case let value as Int64: value
        case let value as Int: Int64(value)
        case let value as UInt64: Int64(clamping: value)
        case let value as Double: Int64(value)
        default: nil
        }
    }
}
