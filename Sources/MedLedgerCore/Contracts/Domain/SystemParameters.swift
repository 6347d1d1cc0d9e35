/// Settings a system administrator changes on the ledger.
public struct SystemParameters: Codable, Sendable, Equatable {
    /// Length of a grant given without an expiry.
    public var defaultGrantSeconds: Int64
    /// Longest grant a patient may give.
    public var maxGrantSeconds: Int64
    /// How long break-glass access lasts.
    public var breakGlassSeconds: Int64
    /// How long a failed tally check the node recorded for an auditor lets that auditor open the
    /// record (their grant must still cover it).
    public var tallyAccessSeconds: Int64
    /// How long after an appointment's time its doctor may still write into the patient's records
    /// (follow-up notes, results, prescriptions), whatever grants the patient holds or revoked.
    public var careFollowUpSeconds: Int64

    public static let defaultTallyAccessSeconds: Int64 = 24 * 3_600

    public init(
        defaultGrantSeconds: Int64 = 30 * 86_400, maxGrantSeconds: Int64 = 366 * 86_400, breakGlassSeconds: Int64 = 4 * 3_600,
        tallyAccessSeconds: Int64 = SystemParameters.defaultTallyAccessSeconds,
        careFollowUpSeconds: Int64 = SystemParameters.defaultCareFollowUpSeconds
    ) {
        self.defaultGrantSeconds = defaultGrantSeconds
        self.maxGrantSeconds = maxGrantSeconds
        self.breakGlassSeconds = breakGlassSeconds
        self.tallyAccessSeconds = tallyAccessSeconds
        self.careFollowUpSeconds = careFollowUpSeconds
    }

    enum CodingKeys: String, CodingKey {
        case defaultGrantSeconds, maxGrantSeconds, breakGlassSeconds, tallyAccessSeconds, careFollowUpSeconds
    }

    /// `tallyAccessSeconds` and `careFollowUpSeconds` may be left out (parameters set before they
    /// existed, and clients that do not change them): they then have their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        defaultGrantSeconds = try container.decode(Int64.self, forKey: .defaultGrantSeconds)
        maxGrantSeconds = try container.decode(Int64.self, forKey: .maxGrantSeconds)
        breakGlassSeconds = try container.decode(Int64.self, forKey: .breakGlassSeconds)
        tallyAccessSeconds = try container.decodeIfPresent(Int64.self, forKey: .tallyAccessSeconds) ?? Self.defaultTallyAccessSeconds
        careFollowUpSeconds = try container.decodeIfPresent(Int64.self, forKey: .careFollowUpSeconds) ?? Self.defaultCareFollowUpSeconds
    }

    /// A week: time for the notes, results and prescriptions that follow a visit.
    public static let defaultCareFollowUpSeconds: Int64 = 7 * 86_400
    /// The longest follow-up period a system administrator may set: 90 days.
    public static let maxCareFollowUpSeconds: Int64 = 90 * 86_400

    public static let defaults = SystemParameters()
}
