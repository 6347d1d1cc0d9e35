/// One read a page view (``PageView``) makes: an existing read action and its body, written as
/// `{"type": "record.view", "body": {"record": "rx-1"}}`. The body is the read's own, decoded and
/// validated by its own type, so a read means the same inside a page view as on its own.
public struct PageRead: Codable, Sendable {
    /// The read action.
    public let action: any ContractAction

    public init(_ action: any ContractAction) { self.action = action }

    /// The read's transaction type, e.g. `record.view`.
    public var type: String { Swift.type(of: action).transactionType }

    /// The read actions a page view may hold: views and queries, except a page view itself (no
    /// nesting). Printing, copying and downloading keep an entry of their own, so a trail says a
    /// record was printed, not only that a page was viewed.
    static let readableTypes: [String: any ContractAction.Type] = Dictionary(
        ContractEngine.actions.filter { [.viewed, .queried].contains($0.eventStatus) && $0.transactionType != PageView.transactionType }
            .map { ($0.transactionType, $0) },
        uniquingKeysWith: { first, _ in first })

    /// Whether a page view may hold a read of this type.
    public static func mayHold(_ type: String) -> Bool { readableTypes[type] != nil }

    enum CodingKeys: String, CodingKey {
        case type, body
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        guard let actionType = Self.readableTypes[type] else {
            let why =
                type == PageView.transactionType
                ? "a page view cannot hold another page view" : "\(type) is not a view or query a page view may hold"
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: why)
        }
        action = try actionType.init(from: container.superDecoder(forKey: .body))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try action.encode(to: container.superEncoder(forKey: .body))
    }
}
