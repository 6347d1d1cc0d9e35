import MedLedgerCore

/// Why a call to a node did not give the answer asked for.
public enum MedLedgerClientError: Error, CustomStringConvertible, Sendable {
    /// Not an http(s) URL, or a target that is not a path.
    case badURL(String)
    /// No answer: the node is down, unreachable or too slow.
    case unreachable(String, String)
    /// The answer could not be read whole (too long, or cut off).
    case unreadableAnswer(String, String)
    /// The node refused, with its error code and message.
    case refused(Int, ErrorDetail)
    /// An answer of a status or shape the call does not expect.
    case unexpected(String, Int, String)

    public var description: String {
        switch self {
        case .badURL(let url): "\(url) is not an http:// or https:// URL of a node."
        case .unreachable(let url, let reason): "The node at \(url) cannot be reached (\(reason))."
        case .unreadableAnswer(let target, let reason): "The answer to \(target) could not be read (\(reason))."
        case .refused(let status, let detail): "Refused (\(status) \(detail.code)): \(detail.message)"
        case .unexpected(let what, let status, let excerpt): "Unexpected answer for \(what) (HTTP \(status)): \(excerpt)"
        }
    }
}
