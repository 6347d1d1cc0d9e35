/// Decodes `Decodable` values straight from an ``IJSONValue`` tree, so a ledger entry is parsed
/// once, by ``IJSON``, and every reader (the contracts included) sees exactly the values it read.
///
/// It also records every object member the decoded type asks for. A member nobody asked for is a
/// field no rule reads; ``IJSONMembersRead/firstUnread(in:)`` finds it so the entry can be refused.
struct IJSONTreeDecoder: Decoder, SingleValueDecodingContainer {
    let value: IJSONValue
    let codingPath: [any CodingKey]
    let path: [IJSONPathComponent]
    let membersRead: IJSONMembersRead
    let userInfo: [CodingUserInfoKey: Any]

    init(value: IJSONValue, membersRead: IJSONMembersRead, userInfo: [CodingUserInfoKey: Any] = [:]) {
        self.init(value: value, codingPath: [], path: [], membersRead: membersRead, userInfo: userInfo)
    }

    init(value: IJSONValue, codingPath: [any CodingKey], path: [IJSONPathComponent], membersRead: IJSONMembersRead, userInfo: [CodingUserInfoKey: Any]) {
        self.value = value
        self.codingPath = codingPath
        self.path = path
        self.membersRead = membersRead
        self.userInfo = userInfo
    }

    func child(_ value: IJSONValue, key: any CodingKey, component: IJSONPathComponent) -> IJSONTreeDecoder {
        IJSONTreeDecoder(value: value, codingPath: codingPath + [key], path: path + [component], membersRead: membersRead, userInfo: userInfo)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: IJSONValue].self) }
        return KeyedDecodingContainer(IJSONKeyedContainer<Key>(members: members, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch([IJSONValue].self) }
        return IJSONUnkeyedContainer(elements: elements, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    // MARK: Single values

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch(type) }
        return flag
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let text) = value else { throw mismatch(type) }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard case .number(let number) = value else { throw mismatch(type) }
        return number
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }

    /// An integer only when the number is one and fits the type; never a trapping conversion.
    private func integer<T: BinaryInteger>(_ type: T.Type) throws -> T {
        guard case .number(let number) = value else { throw mismatch(type) }
        // IJSON bounds every number to ±(2^53 − 1), so a whole number converts to Int64 exactly.
        guard let whole = Int64(exactly: number), let result = T(exactly: whole) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "The number does not fit \(T.self)."))
        }
        return result
    }

    func mismatch(_ type: Any.Type) -> DecodingError {
        if value == .null {
            return DecodingError.valueNotFound(type, .init(codingPath: codingPath, debugDescription: "The value is null."))
        }
        return DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "The value is of another JSON type."))
    }
}

/// One step of a path into a JSON value: an object member or an array element.
enum IJSONPathComponent: Hashable, Sendable {
    case member(String)
    case element(Int)
}

/// The object members a decoded type asked for, by their path from the decoded root.
final class IJSONMembersRead {
    private(set) var paths: Set<[IJSONPathComponent]> = []

    func record(_ path: [IJSONPathComponent]) {
        paths.insert(path)
    }

    /// The path of the first member (in name order, depth first) of `root` that nobody asked for.
    func firstUnread(in root: IJSONValue) -> [IJSONPathComponent]? {
        firstUnread(in: root, at: [])
    }

    private func firstUnread(in value: IJSONValue, at path: [IJSONPathComponent]) -> [IJSONPathComponent]? {
        switch value {
        case .object(let members):
            for name in members.keys.sorted() {
                let memberPath = path + [.member(name)]
                guard paths.contains(memberPath) else { return memberPath }
                if let member = members[name], let found = firstUnread(in: member, at: memberPath) { return found }
            }
            return nil
        case .array(let elements):
            for (offset, element) in elements.enumerated() {
                if let found = firstUnread(in: element, at: path + [.element(offset)]) { return found }
            }
            return nil
        case .null, .bool, .number, .string:
            return nil
        }
    }
}

/// An array index as a coding key, for error paths.
struct IJSONIndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

/// `super`, the key Codable names a superclass decoder by.
struct IJSONSuperKey: CodingKey {
    var stringValue: String { "super" }
    var intValue: Int? { nil }
    init() {}
    init?(stringValue: String) { nil }
    init?(intValue: Int) { nil }
}
