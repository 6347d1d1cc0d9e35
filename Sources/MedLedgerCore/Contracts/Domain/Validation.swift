import Crypto
import Foundation

/// Shape checks shared by transaction bodies. Messages name the field, never echo its value.
public enum Validation {
    /// Ids chosen by clients: 1 to 64 characters of `A-Z a-z 0-9 - _`.
    static func identifier(_ value: String, field: String) throws(BodyValidationError) {
        guard isIdentifier(value) else {
            throw BodyValidationError("\(field) must be 1 to 64 characters of letters, digits, '-' or '_'")
        }
    }

    /// A CIDv1 in base32 (`b` followed by lowercase base32), as the content store produces.
    static func contentID(_ value: String, field: String) throws(BodyValidationError) {
        let utf8 = value.utf8
        guard (10...128).contains(utf8.count), utf8.first == UInt8(ascii: "b"),
            utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x32 && $0 <= 0x37) })
        else { throw BodyValidationError("\(field) must be a base32 CIDv1 (b…)") }
    }

    static func optionalContentID(_ value: String?, field: String) throws(BodyValidationError) {
        if let value { try contentID(value, field: field) }
    }

    /// Short text shown to people (names, specialities): 1 to `max` characters, no control characters.
    static func label(_ value: String, field: String, max: Int = 200) throws(BodyValidationError) {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, value.count <= max, !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw BodyValidationError("\(field) must be 1 to \(max) characters without control characters")
        }
    }

    static func optionalLabel(_ value: String?, field: String, max: Int = 200) throws(BodyValidationError) {
        if let value { try label(value, field: field, max: max) }
    }

    /// A base64url uncompressed P-256 public key.
    static func publicKey(_ value: String, field: String) throws(BodyValidationError) {
        guard P256.Signing.PublicKey.address(ofPayloadKey: value) != nil else { throw BodyValidationError("\(field) must be a base64url uncompressed P-256 public key") }
    }

    /// Whether `value` is such an id: the one rule, for pages that check an id from a link too.
    public static func isIdentifier(_ value: String) -> Bool {
        (1...64).contains(value.utf8.count) && value.utf8.allSatisfy(isIdentifierByte)
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}
