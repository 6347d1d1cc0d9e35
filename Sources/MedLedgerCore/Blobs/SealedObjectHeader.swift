import Crypto
import Foundation

/// The header of a stored object (format 2): everything a reader needs, besides the patient's key,
/// to authenticate and decrypt the segments that follow it.
///
/// ```
/// offset  size  field
///      0     4  magic "MLB" ‖ 0x02 (format 2)
///      4     1  log2 of the plaintext segment size (16 → 64 KiB)
///      5    42  owner: the patient's account address (ASCII)
///     47     7  nonce prefix (random)
///     54    60  data key wrapped by the patient's key: nonce(12) ‖ AES-256-GCM(32) ‖ tag(16),
///               additional data = "medledger-object-key-v2" ‖ bytes 0..<54
///    114     2  length m of the sealed metadata (big endian)
///    116     m  ``BlobMetadata`` as JSON, sealed under the data key with nonce
///               prefix ‖ FFFFFFFF ‖ 02, additional data = bytes 0..<116
/// ```
///
/// Each object has its own random data key, wrapped by the patient's key, so destroying the
/// patient's key makes every one of their objects unreadable (erasure) without touching them, and
/// one object's key reveals nothing about another's. The owner is written in clear: ledger entries
/// already link these CIDs to the patient, and it lets the store find a patient's objects to
/// remove them. The SHA-256 of the whole header is the additional data of every segment, so
/// segments cannot be moved under another header.
public struct SealedObjectHeader: Sendable, Equatable {
    /// "MLB" and the format number.
    public static let magic: [UInt8] = [0x4D, 0x4C, 0x42, 0x02]
    /// 64 KiB plaintext segments, as age uses: small enough for cheap range reads, large enough
    /// that the 16-byte tag per segment costs 0.02%.
    public static let defaultSegmentShift: UInt8 = 16
    /// Bytes of random nonce prefix; the other 5 bytes of each nonce are the segment counter and flag.
    public static let noncePrefixSize = 7
    /// Bytes of the wrapped data key: nonce, 32-byte key, tag.
    public static let wrappedKeySize = 12 + 32 + 16
    /// Bytes of GCM tag after each segment.
    public static let tagSize = 16
    /// Bytes before the sealed metadata.
    public static let fixedSize = 4 + 1 + 42 + noncePrefixSize + wrappedKeySize + 2
    /// The largest header: the fixed part and the largest sealed metadata.
    public static let maxSize = fixedSize + BlobMetadata.maxEncodedSize + tagSize

    static let keyWrapContext = Array("medledger-object-key-v2".utf8)

    /// Bytes of plaintext per segment (the last segment may be shorter).
    public let segmentSize: Int
    /// Whose key wraps the data key.
    public let owner: AccountAddress
    /// The first 7 bytes of every nonce under the data key.
    public let noncePrefix: [UInt8]
    /// The data key sealed under the owner's key.
    public let wrappedKey: [UInt8]
    /// The metadata sealed under the data key (ciphertext ‖ tag).
    public let sealedMetadata: [UInt8]
    /// The encoded header, as stored.
    public let bytes: [UInt8]
    /// SHA-256 of ``bytes``: the additional data of every segment.
    public let digest: [UInt8]

    /// Makes a header for a new object: wraps `dataKey` under `patientKey` and seals `metadata`.
    init(owner: AccountAddress, patientKey: SymmetricKey, dataKey: SymmetricKey, metadata: BlobMetadata, segmentShift: UInt8) throws {
        guard patientKey.bitCount == 256, dataKey.bitCount == 256 else { throw BlobStoreError.integrity("object keys must be 256 bits") }
        guard (10...24).contains(segmentShift) else { throw BlobStoreError.integrity("segment size out of range") }
        var bytes = Self.magic
        bytes.append(segmentShift)
        bytes += Array(owner.rawValue.utf8)
        var prefix = [UInt8](repeating: 0, count: Self.noncePrefixSize)
        for index in prefix.indices { prefix[index] = UInt8.random(in: 0...255) }
        bytes += prefix
        let wrapBox = try AES.GCM.seal(dataKey.withUnsafeBytes { Array($0) }, using: patientKey, authenticating: Self.keyWrapContext + bytes)
        let wrapped = Array(wrapBox.nonce) + Array(wrapBox.ciphertext) + Array(wrapBox.tag)
        bytes += wrapped
        let json = try JSONEncoder().encode(metadata)
        guard json.count <= BlobMetadata.maxEncodedSize else { throw BlobStoreError.integrity("the file's name and type are too long") }
        let sealedLength = json.count + Self.tagSize
        bytes += [UInt8(sealedLength >> 8), UInt8(sealedLength & 0xFF)]
        let metaBox = try AES.GCM.seal(json, using: dataKey, nonce: Self.nonce(prefix: prefix, counter: .max, flag: 2), authenticating: bytes)
        let sealed = Array(metaBox.ciphertext) + Array(metaBox.tag)
        bytes += sealed
        self.segmentSize = 1 << Int(segmentShift)
        self.owner = owner
        self.noncePrefix = prefix
        self.wrappedKey = wrapped
        self.sealedMetadata = sealed
        self.bytes = bytes
        self.digest = Array(SHA256.hash(data: bytes))
    }

    /// Parses the header at the start of `prefix` (which may hold more bytes after it). Checks
    /// shape only; ``unwrapKey(with:)`` and ``openMetadata(dataKey:)`` authenticate.
    public init(parsing prefix: [UInt8]) throws {
        guard prefix.count >= Self.fixedSize else { throw BlobStoreError.integrity("object is shorter than its header") }
        guard Array(prefix[0..<4]) == Self.magic else { throw BlobStoreError.integrity("not a MedLedger object (unknown format)") }
        let shift = prefix[4]
        guard (10...24).contains(shift) else { throw BlobStoreError.integrity("object header names an impossible segment size") }
        guard let owner = AccountAddress(String(decoding: prefix[5..<47], as: UTF8.self)) else {
            throw BlobStoreError.integrity("object header names no valid owner")
        }
        let metadataLength = Int(prefix[114]) << 8 | Int(prefix[115])
        guard metadataLength >= Self.tagSize, metadataLength <= BlobMetadata.maxEncodedSize + Self.tagSize else {
            throw BlobStoreError.integrity("object header has an impossible metadata length")
        }
        guard prefix.count >= Self.fixedSize + metadataLength else { throw BlobStoreError.integrity("object is shorter than its header") }
        self.segmentSize = 1 << Int(shift)
        self.owner = owner
        self.noncePrefix = Array(prefix[47..<54])
        self.wrappedKey = Array(prefix[54..<114])
        self.sealedMetadata = Array(prefix[Self.fixedSize..<(Self.fixedSize + metadataLength)])
        self.bytes = Array(prefix[0..<(Self.fixedSize + metadataLength)])
        self.digest = Array(SHA256.hash(data: bytes))
    }

    /// The encoded length of this header.
    public var size: Int { bytes.count }

    /// Recovers the data key; throws ``BlobStoreError/integrity(_:)`` under any other patient key
    /// or when the header was altered.
    public func unwrapKey(with patientKey: SymmetricKey) throws -> SymmetricKey {
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: wrappedKey[0..<12]), ciphertext: wrappedKey[12..<44], tag: wrappedKey[44..<60]
            )
            let raw = try AES.GCM.open(box, using: patientKey, authenticating: Self.keyWrapContext + Array(bytes[0..<54]))
            return SymmetricKey(data: raw)
        } catch {
            throw BlobStoreError.integrity("the object's key does not open under the patient's key (wrong patient, or altered)")
        }
    }

    /// Decrypts the metadata with the data key.
    public func openMetadata(dataKey: SymmetricKey) throws -> BlobMetadata {
        let tagStart = sealedMetadata.count - Self.tagSize
        do {
            let box = try AES.GCM.SealedBox(
                nonce: Self.nonce(prefix: noncePrefix, counter: .max, flag: 2),
                ciphertext: sealedMetadata[0..<tagStart], tag: sealedMetadata[tagStart...]
            )
            let json = try AES.GCM.open(box, using: dataKey, authenticating: Array(bytes[0..<Self.fixedSize]))
            return try JSONDecoder().decode(BlobMetadata.self, from: json)
        } catch {
            throw BlobStoreError.integrity("the object's metadata does not authenticate")
        }
    }

    /// The nonce of segment `counter`: prefix ‖ counter (big endian) ‖ flag (0 inner, 1 last, 2 metadata).
    static func nonce(prefix: [UInt8], counter: UInt32, flag: UInt8) -> AES.GCM.Nonce {
        let bytes = prefix + [UInt8(counter >> 24), UInt8(counter >> 16 & 0xFF), UInt8(counter >> 8 & 0xFF), UInt8(counter & 0xFF), flag]
        // 12 bytes always make a valid GCM nonce.
        return try! AES.GCM.Nonce(data: bytes)
    }
}
