import MedLedgerCore

/// One read of an allowed page view (`page.view`), as the node gathered it: a ``QueryResult`` of
/// its own (sharing the page view's receipt and audit event, with the read's answer and its
/// content, names or events), or the reason the read's rule refused it.
public enum PageReadResult: Sendable {
    case answered(QueryResult)
    case refused(String)
}
