/// Settings a system administrator changes on the ledger.
public struct SystemParameters: Codable, Sendable, Equatable {
    /// Length of a grant given without an expiry.
    public var defaultGrantSeconds: Int64
    /// Longest grant a patient may give.
    public var maxGrantSeconds: Int64
    /// How long break-glass access lasts.
    public var breakGlassSeconds: Int64

    public init(defaultGrantSeconds: Int64 = 30 * 86_400, maxGrantSeconds: Int64 = 366 * 86_400, breakGlassSeconds: Int64 = 4 * 3_600) {
        self.defaultGrantSeconds = defaultGrantSeconds
        self.maxGrantSeconds = maxGrantSeconds
        self.breakGlassSeconds = breakGlassSeconds
    }

    public static let defaults = SystemParameters()
}
