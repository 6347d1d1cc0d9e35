/// Settings a system administrator changes on the ledger.
public struct SystemParameters: Codable, Sendable, Equatable {
    /// Length of a grant given without an expiry.
    public var defaultGrantSeconds: Int64
    /// Longest grant a patient may give.
    public var maxGrantSeconds: Int64
    /// How long break-glass access lasts.
    public var breakGlassSeconds: Int64
    /// How long after an appointment's time its doctor may still write into the patient's records
    /// (follow-up notes, results, prescriptions), whatever grants the patient holds or revoked.
    public var careFollowUpSeconds: Int64

    public init(
        defaultGrantSeconds: Int64 = 30 * 86_400, maxGrantSeconds: Int64 = 366 * 86_400, breakGlassSeconds: Int64 = 4 * 3_600,
        careFollowUpSeconds: Int64 = SystemParameters.defaultCareFollowUpSeconds
    ) {
        self.defaultGrantSeconds = defaultGrantSeconds
        self.maxGrantSeconds = maxGrantSeconds
        self.breakGlassSeconds = breakGlassSeconds
        self.careFollowUpSeconds = careFollowUpSeconds
    }

    enum CodingKeys: String, CodingKey { case defaultGrantSeconds, maxGrantSeconds, breakGlassSeconds, careFollowUpSeconds }

    /// `careFollowUpSeconds` may be left out (parameters set before it existed): it then has its default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        defaultGrantSeconds = try container.decode(Int64.self, forKey: .defaultGrantSeconds)
        maxGrantSeconds = try container.decode(Int64.self, forKey: .maxGrantSeconds)
        breakGlassSeconds = try container.decode(Int64.self, forKey: .breakGlassSeconds)
        careFollowUpSeconds = try container.decodeIfPresent(Int64.self, forKey: .careFollowUpSeconds) ?? Self.defaultCareFollowUpSeconds
    }

    /// A week: time for the notes, results and prescriptions that follow a visit.
    public static let defaultCareFollowUpSeconds: Int64 = 7 * 86_400
    /// The longest follow-up period a system administrator may set: 90 days.
    public static let maxCareFollowUpSeconds: Int64 = 90 * 86_400

    public static let defaults = SystemParameters()
}
