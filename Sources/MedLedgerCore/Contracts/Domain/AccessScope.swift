/// What a grant or an access request covers: every record, one record, or one category.
public enum AccessScope: Codable, Sendable, Equatable, Hashable {
    case all
    case record(String)
    case category(RecordCategory)

    enum CodingKeys: String, CodingKey {
        case kind, record, category
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .kind) {
        case "all": self = .all
        case "record": self = .record(try container.decode(String.self, forKey: .record))
        case "category": self = .category(try container.decode(RecordCategory.self, forKey: .category))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "kind must be all, record or category")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .all: try container.encode("all", forKey: .kind)
        case .record(let id):
            try container.encode("record", forKey: .kind)
            try container.encode(id, forKey: .record)
        case .category(let category):
            try container.encode("category", forKey: .kind)
            try container.encode(category, forKey: .category)
        }
    }

    /// True when the scope includes `record`.
    public func covers(_ record: MedicalRecord) -> Bool {
        switch self {
        case .all: true
        case .record(let id): id == record.id
        case .category(let category): category == record.category
        }
    }

    /// Checks the shape (a record id must be an identifier).
    func validate(field: String) throws(BodyValidationError) {
        if case .record(let id) = self { try Validation.identifier(id, field: "\(field).record") }
    }
}
