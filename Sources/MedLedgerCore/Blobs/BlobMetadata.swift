import Foundation

/// What a stored object is, kept *inside* the encryption: a file's name can itself be health data
/// ("hiv-test.pdf"), so neither it nor the media type is ever written in clear.
public struct BlobMetadata: Codable, Sendable, Equatable {
    /// The IANA media type the object was stored as, e.g. `application/pdf`.
    public var mediaType: String
    /// The sanitised file name the uploader gave, if any.
    public var fileName: String?
    /// The account whose signed upload stored the object. Sealed with the rest, so it cannot be
    /// changed without the patient's key: a transaction may name only content its own signer
    /// uploaded (``ContentClaim``), and a record version's content must have been uploaded by the
    /// version's author. Nil for objects the node stored itself.
    public var uploader: AccountAddress?

    /// The largest encoded metadata accepted, so a header stays small and bounded.
    public static let maxEncodedSize = 2048

    /// Describes an object; `fileName` is sanitised with ``sanitise(fileName:)``.
    public init(mediaType: String, fileName: String? = nil, uploader: AccountAddress? = nil) {
        self.mediaType = mediaType
        self.fileName = fileName.flatMap(Self.sanitise(fileName:))
        self.uploader = uploader
    }

    /// A file name safe to store and to put in a `Content-Disposition` header: the last path
    /// component only, control characters, quotes, backslashes and path separators dropped,
    /// leading dots removed (no hidden files), at most 120 characters; nil when nothing is left.
    public static func sanitise(fileName: String) -> String? {
        let lastComponent = fileName.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var kept = String.UnicodeScalarView()
        for scalar in lastComponent.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                continue
            default:
                if scalar == "\"" || scalar == "\\" || scalar == "/" || scalar == ":" || scalar == "*" || scalar == "?"
                    || scalar == "<" || scalar == ">" || scalar == "|" || scalar == ";"
                {
                    kept.append("_")
                } else {
                    kept.append(scalar)
                }
            }
        }
        var name = String(kept).trimmingCharacters(in: .whitespaces)
        while name.hasPrefix(".") || name.hasPrefix(" ") { name.removeFirst() }
        if name.count > 120 {
            // Keep the extension, which tells the reader what kind of file it is.
            let dot = name.lastIndex(of: ".")
            let suffix = dot.map { String(name[$0...]) }.flatMap { $0.count <= 10 ? $0 : nil } ?? ""
            name = String(name.prefix(120 - suffix.count)) + suffix
        }
        return name.isEmpty ? nil : name
    }
}
