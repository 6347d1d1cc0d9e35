/// The data a page can ask for beyond its ledger reads (`"providers"` in `pages/*.json`). The
/// names are decoded when the page tables load, so a misspelt provider stops the server at
/// start-up instead of failing a visitor's request.
enum PageProvider: String, Decodable, Sendable, CaseIterable {
    /// The demonstration accounts shown on the log-in page (demo mode only).
    case demoAccounts
    /// Sign-ups waiting for an administrator.
    case signups
    /// The ledger's contract parameters.
    case parameters
    /// The signed-in account's own ledger state.
    case ownAccount
    /// The invitation a sign-up link names.
    case invitation
    /// The reasons of the access requests a page read.
    case requestReasons
    /// What changed in each record since the viewer last saw it.
    case recordChanges
    /// The care windows of the grants a page read.
    case careWindows
    /// An auditor's tally of a record's trail.
    case tally
    /// The log explorer's overview.
    case explorer
    /// One log entry, for the explorer's entry page.
    case entry
    /// Names SMART apps beside the `app` of the page's listed items (events, app sessions), from
    /// the page's `apps` read (`apps.list`).
    case appNames

    /// True when what the provider shows changes only with a new ledger entry and is the same for
    /// every signed-out visitor, so the page may be kept rendered per tree size.
    var showsOnlyTheLedger: Bool {
        switch self {
        case .explorer, .entry: true
        default: false
        }
    }
}

extension Dictionary where Key == String {
    /// A template context's member for a provider, named as in the page table.
    subscript(_ provider: PageProvider) -> Value? {
        get { self[provider.rawValue] }
        set { self[provider.rawValue] = newValue }
    }
}
