/// A state object as the store keeps it: its key and its JSON document
/// (``StateObject/document(using:)``), encoded when its block is sealed.
public struct StateDocument: Sendable, Equatable {
    public let key: StateKey
    public let bytes: [UInt8]

    public init(key: StateKey, bytes: [UInt8]) {
        self.key = key
        self.bytes = bytes
    }
}
