import MedLedgerCore

/// Encodes typed values (query answers, accounts, parameters) straight into what Mustache renders:
/// dictionaries, arrays and scalars, with the display helpers templates need added from the
/// values' Swift types — a readable `<member>Text` beside each member its type declares a time
/// (``TemplateTimes``), `<member>Name` beside each ``AccountAddress`` whose name the page may show,
/// and ``TemplateValue``'s flags and labels beside enumerated strings. Nothing is guessed from what
/// a number or a string looks like, and no JSON is produced on the way.
struct TemplateEncoder {
    /// The name to show beside an address, or nil to show the address alone.
    let name: (AccountAddress) -> String?

    func encode(_ value: some Encodable) throws -> Any {
        let root = TemplateBox()
        try root.store(value, encoder: self, codingPath: [])
        return root.rendered
    }
}

/// One value being encoded; containers hold boxes, so nested containers can be filled after they
/// were handed out (as `Encoder` allows).
final class TemplateBox {
    private enum Content {
        case empty
        case scalar(Any)
        case keyed([String: TemplateBox], decorations: [String: Any])
        case unkeyed([TemplateBox])
    }

    private var content: Content = .empty

    /// What the template sees: absent members are simply missing, as JSON without nulls.
    var rendered: Any {
        switch content {
        case .empty: return [String: Any]()
        case .scalar(let value): return value
        case .unkeyed(let boxes): return boxes.map(\.rendered)
        case .keyed(let members, let decorations):
            var result = decorations
            for (key, box) in members { result[key] = box.rendered }
            return result
        }
    }

    var scalar: Any? {
        if case .scalar(let value) = content { return value }
        return nil
    }

    func setScalar(_ value: Any) { content = .scalar(value) }

    func makeKeyed() {
        if case .keyed = content { return }
        content = .keyed([:], decorations: [:])
    }

    func makeUnkeyed() {
        if case .unkeyed = content { return }
        content = .unkeyed([])
    }

    func member(_ key: String) -> TemplateBox {
        makeKeyed()
        guard case .keyed(var members, let decorations) = content else { return TemplateBox() }
        let box = members[key] ?? TemplateBox()
        members[key] = box
        content = .keyed(members, decorations: decorations)
        return box
    }

    func decorate(_ key: String, _ value: Any) {
        guard case .keyed(let members, var decorations) = content else { return }
        decorations[key] = value
        content = .keyed(members, decorations: decorations)
    }

    func append() -> TemplateBox {
        makeUnkeyed()
        guard case .unkeyed(var boxes) = content else { return TemplateBox() }
        let box = TemplateBox()
        boxes.append(box)
        content = .unkeyed(boxes)
        return box
    }

    var count: Int {
        switch content {
        case .unkeyed(let boxes): boxes.count
        case .keyed(let members, _): members.count
        default: 0
        }
    }

    /// Stores `value` here: scalars as the numbers, strings and booleans templates compare, any
    /// other type through its own `encode(to:)`, with that type as the owner of what it writes.
    func store<T: Encodable>(_ value: T, encoder: TemplateEncoder, codingPath: [any CodingKey]) throws {
        if let scalar = Self.scalar(of: value) {
            setScalar(scalar)
            return
        }
        try value.encode(to: TemplateEncoding(box: self, owner: T.self, encoder: encoder, codingPath: codingPath))
    }

    /// Numbers become `Int` or `Double`, as templates saw them when they came from JSON.
    static func scalar(of value: Any) -> Any? {
        switch value {
        case let text as String: text
        case let flag as Bool: flag
        case let number as Int: number
        case let number as Int64: Int(number)
        case let number as Int32: Int(number)
        case let number as Int16: Int(number)
        case let number as Int8: Int(number)
        case let number as UInt64: Int(exactly: number) ?? Int.max
        case let number as UInt: Int(exactly: number) ?? Int.max
        case let number as UInt32: Int(number)
        case let number as UInt16: Int(number)
        case let number as UInt8: Int(number)
        case let number as Double: number
        case let number as Float: Double(number)
        default: nil
        }
    }
}

/// The `Encoder` a value's `encode(to:)` writes into.
struct TemplateEncoding: Encoder {
    let box: TemplateBox
    /// The type whose `encode(to:)` is running: its ``TemplateTimes`` say which members are times.
    let owner: Any.Type?
    let encoder: TemplateEncoder
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        box.makeKeyed()
        return KeyedEncodingContainer(TemplateKeyedContainer<Key>(encoding: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        box.makeUnkeyed()
        return TemplateUnkeyedContainer(encoding: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        TemplateSingleValueContainer(encoding: self)
    }

    /// A member of the keyed container: stored, then given the helpers its type calls for.
    func put<T: Encodable>(_ value: T, key: String, path: [any CodingKey]) throws {
        let member = box.member(key)
        try member.store(value, encoder: encoder, codingPath: path)
        if let address = value as? AccountAddress, let name = encoder.name(address) {
            box.decorate(key + "Name", name)
        }
        if let times = owner as? any TemplateTimes.Type, times.timeMembers.contains(key), let time = member.scalar as? Int {
            box.decorate(key + "Text", TemplateValue.format(time: Int64(time)))
        }
        if let text = member.scalar as? String {
            if TemplateValue.flagged.contains(key) { box.decorate("\(key)_\(text)", true) }
            if let label = TemplateValue.label(key: key, value: text) { box.decorate(key + "Label", label) }
        }
    }
}

struct TemplateKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoding: TemplateEncoding
    var codingPath: [any CodingKey] { encoding.codingPath }

    func encodeNil(forKey key: Key) throws {}
    func encode(_ value: Bool, forKey key: Key) throws { try put(value, key) }
    func encode(_ value: String, forKey key: Key) throws { try put(value, key) }
    func encode(_ value: Double, forKey key: Key) throws { try put(value, key) }
    func encode(_ value: Float, forKey key: Key) throws { try put(value, key) }
    func encode(_ value: Int, forKey key: Key) throws { try put(value, key) }
    func encode(_ value: Int8, forKey key: Key) throws { try put(value, key) }
    func encode(_ value: Int16, forKey key: Key) throws { try put(value, key) }
    func encode(_ value: Int32, forKey key: Key) throws { try put(value, key) }
    func encode(_ value: Int64, forKey key: Key) throws { try put(value, key) }
    func encode(_ value: UInt, forKey key: Key) throws { try put(value, key) }
    func encode(_ value: UInt8, forKey key: Key) throws { try put(value, key) }
    func encode(_ value: UInt16, forKey key: Key) throws { try put(value, key) }
    func encode(_ value: UInt32, forKey key: Key) throws { try put(value, key) }
    func encode(_ value: UInt64, forKey key: Key) throws { try put(value, key) }
    func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try put(value, key) }

    private func put<T: Encodable>(_ value: T, _ key: Key) throws {
        try encoding.put(value, key: key.stringValue, path: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let member = encoding.box.member(key.stringValue)
        member.makeKeyed()
        let nested = TemplateEncoding(box: member, owner: nil, encoder: encoding.encoder, codingPath: codingPath + [key])
        return KeyedEncodingContainer(TemplateKeyedContainer<NestedKey>(encoding: nested))
    }

    func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let member = encoding.box.member(key.stringValue)
        member.makeUnkeyed()
        return TemplateUnkeyedContainer(encoding: TemplateEncoding(box: member, owner: nil, encoder: encoding.encoder, codingPath: codingPath + [key]))
    }

    func superEncoder() -> any Encoder {
        TemplateEncoding(box: encoding.box.member("super"), owner: nil, encoder: encoding.encoder, codingPath: codingPath)
    }

    func superEncoder(forKey key: Key) -> any Encoder {
        TemplateEncoding(box: encoding.box.member(key.stringValue), owner: nil, encoder: encoding.encoder, codingPath: codingPath + [key])
    }
}

struct TemplateUnkeyedContainer: UnkeyedEncodingContainer {
    let encoding: TemplateEncoding
    var codingPath: [any CodingKey] { encoding.codingPath }
    var count: Int { encoding.box.count }

    func encodeNil() throws { encoding.box.append().setScalar(Optional<String>.none as Any) }
    mutating func encode(_ value: Bool) throws { try add(value) }
    mutating func encode(_ value: String) throws { try add(value) }
    mutating func encode(_ value: Double) throws { try add(value) }
    mutating func encode(_ value: Float) throws { try add(value) }
    mutating func encode(_ value: Int) throws { try add(value) }
    mutating func encode(_ value: Int8) throws { try add(value) }
    mutating func encode(_ value: Int16) throws { try add(value) }
    mutating func encode(_ value: Int32) throws { try add(value) }
    mutating func encode(_ value: Int64) throws { try add(value) }
    mutating func encode(_ value: UInt) throws { try add(value) }
    mutating func encode(_ value: UInt8) throws { try add(value) }
    mutating func encode(_ value: UInt16) throws { try add(value) }
    mutating func encode(_ value: UInt32) throws { try add(value) }
    mutating func encode(_ value: UInt64) throws { try add(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try add(value) }

    private func add<T: Encodable>(_ value: T) throws {
        try encoding.box.append().store(value, encoder: encoding.encoder, codingPath: codingPath)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let element = encoding.box.append()
        element.makeKeyed()
        return KeyedEncodingContainer(TemplateKeyedContainer<NestedKey>(
            encoding: TemplateEncoding(box: element, owner: nil, encoder: encoding.encoder, codingPath: codingPath)))
    }

    func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let element = encoding.box.append()
        element.makeUnkeyed()
        return TemplateUnkeyedContainer(encoding: TemplateEncoding(box: element, owner: nil, encoder: encoding.encoder, codingPath: codingPath))
    }

    func superEncoder() -> any Encoder {
        TemplateEncoding(box: encoding.box.append(), owner: nil, encoder: encoding.encoder, codingPath: codingPath)
    }
}

struct TemplateSingleValueContainer: SingleValueEncodingContainer {
    let encoding: TemplateEncoding
    var codingPath: [any CodingKey] { encoding.codingPath }

    func encodeNil() throws { encoding.box.setScalar(Optional<String>.none as Any) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try encoding.box.store(value, encoder: encoding.encoder, codingPath: codingPath)
    }
    mutating func encode(_ value: Bool) throws { encoding.box.setScalar(TemplateBox.scalar(of: value) ?? value) }
    mutating func encode(_ value: String) throws { encoding.box.setScalar(TemplateBox.scalar(of: value) ?? value) }
    mutating func encode(_ value: Double) throws { encoding.box.setScalar(TemplateBox.scalar(of: value) ?? value) }
    mutating func encode(_ value: Float) throws { encoding.box.setScalar(TemplateBox.scalar(of: value) ?? value) }
    mutating func encode(_ value: Int) throws { encoding.box.setScalar(TemplateBox.scalar(of: value) ?? value) }
    mutating func encode(_ value: Int8) throws { encoding.box.setScalar(TemplateBox.scalar(of: value) ?? value) }
    mutating func encode(_ value: Int16) throws { encoding.box.setScalar(TemplateBox.scalar(of: value) ?? value) }
    mutating func encode(_ value: Int32) throws { encoding.box.setScalar(TemplateBox.scalar(of: value) ?? value) }
    mutating func encode(_ value: Int64) throws { encoding.box.setScalar(TemplateBox.scalar(of: value) ?? value) }
    mutating func encode(_ value: UInt) throws { encoding.box.setScalar(TemplateBox.scalar(of: value) ?? value) }
    mutating func encode(_ value: UInt8) throws { encoding.box.setScalar(TemplateBox.scalar(of: value) ?? value) }
    mutating func encode(_ value: UInt16) throws { encoding.box.setScalar(TemplateBox.scalar(of: value) ?? value) }
    mutating func encode(_ value: UInt32) throws { encoding.box.setScalar(TemplateBox.scalar(of: value) ?? value) }
    mutating func encode(_ value: UInt64) throws { encoding.box.setScalar(TemplateBox.scalar(of: value) ?? value) }
}
