import Foundation

extension CharacterSet {
    /// Characters left as they are in a query parameter's value (RFC 3986 unreserved); everything
    /// else is percent-encoded, so a value can never add or end a parameter.
    public static let urlQueryValueAllowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
