import Crypto
import Foundation
import Testing

@testable import MedLedgerCore

@Suite("Media type sniffing")
struct MediaTypeSnifferTests {
    static let pdf = Array("%PDF-1.7\n%\u{E2}\u{E3}\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".utf8)
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52]
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00]
    /// DICOM Part 10: a 128-byte preamble (here zeros), "DICM", then the first data element.
    static let dicom: [UInt8] = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8) + [0x02, 0x00, 0x00, 0x00, 0x55, 0x4C]
    static let json = Array("  \n{\"allergies\": [\"penicillin\"]}".utf8)
    static let jsonArray = Array("[1, 2, 3]".utf8)
    static let text = Array("Blood pressure 120/80, pulse 64.\n".utf8)
    static let binary: [UInt8] = [0x00, 0x01, 0x02, 0xFE, 0xFF, 0x7F, 0x00]

    @Test("recognises PDF, PNG, JPEG, DICOM, JSON and text from their first bytes; anything else is octet-stream")
    func sniffing() {
        #expect(MediaTypeSniffer.mediaType(of: Self.pdf) == "application/pdf")
        #expect(MediaTypeSniffer.mediaType(of: Self.png) == "image/png")
        #expect(MediaTypeSniffer.mediaType(of: Self.jpeg) == "image/jpeg")
        #expect(MediaTypeSniffer.mediaType(of: Self.dicom) == "application/dicom")
        #expect(MediaTypeSniffer.mediaType(of: Self.json) == "application/json")
        #expect(MediaTypeSniffer.mediaType(of: Self.jsonArray) == "application/json")
        #expect(MediaTypeSniffer.mediaType(of: Self.text) == "text/plain")
        #expect(MediaTypeSniffer.mediaType(of: Array("Grüße, 血压 🩺".utf8)) == "text/plain")
        #expect(MediaTypeSniffer.mediaType(of: Self.binary) == "application/octet-stream")
        // A prefix that stops inside a multi-byte character is still text.
        #expect(MediaTypeSniffer.mediaType(of: Array(Array("note: 🩺".utf8).dropLast(2))) == "text/plain")
        // Near misses of each signature.
        #expect(MediaTypeSniffer.mediaType(of: Array("%PDF".utf8) + [0]) == "application/octet-stream")
        #expect(MediaTypeSniffer.mediaType(of: Array(Self.png.prefix(7))) == "application/octet-stream")
        #expect(MediaTypeSniffer.mediaType(of: [0xFF, 0xD9] + Self.jpeg.dropFirst(2)) == "application/octet-stream")
        #expect(MediaTypeSniffer.mediaType(of: Array(Self.dicom.prefix(131))) == "application/octet-stream")
        var shiftedDicom = Self.dicom
        shiftedDicom.insert(0, at: 0)
        #expect(MediaTypeSniffer.mediaType(of: shiftedDicom) == "application/octet-stream")
    }

    @Test("a declared type matches content of that kind, ignoring parameters and case")
    func matchingDeclarations() {
        let cases: [(String, [UInt8])] = [
            ("application/pdf", Self.pdf), ("image/png", Self.png), ("image/jpeg", Self.jpeg),
            ("application/dicom", Self.dicom), ("application/json", Self.json), ("application/json; charset=utf-8", Self.jsonArray),
            ("text/plain", Self.text), ("text/plain; charset=utf-8", Self.text), ("Text/Plain;charset=UTF-8", Self.text),
            (" image/PNG ", Self.png), ("application/pdf; name=\"scan.pdf\"", Self.pdf),
            // Text types accept any UTF-8 text, JSON included.
            ("text/plain", Self.json),
        ]
        for (declared, content) in cases {
            #expect(MediaTypeSniffer.matches(declared: declared, prefix: content), "\(declared)")
        }
        #expect(MediaTypeSniffer.essence(" Text/Plain ; charset=UTF-8") == "text/plain")
        #expect(MediaTypeSniffer.essence("application/pdf") == "application/pdf")
    }

    @Test("unknown declared types and declarations the content contradicts are refused")
    func refusedDeclarations() {
        let cases: [(String, [UInt8])] = [
            // Types MedLedger does not store, even when the content is harmless.
            ("text/html", Array("<html><body>hi</body></html>".utf8)), ("image/svg+xml", Array("<svg/>".utf8)),
            ("application/octet-stream", Self.binary), ("application/x-msdownload", Array("MZ".utf8) + [0x90, 0x00]),
            ("application/javascript", Array("alert(1)".utf8)), ("", Self.text), ("text", Self.text), ("image/png2", Self.png),
            // Mismatches.
            ("image/png", Self.pdf), ("application/pdf", Self.png), ("image/jpeg", Self.png), ("application/dicom", Self.pdf),
            ("image/png", Self.text), ("text/plain", Self.binary), ("application/json", Self.binary),
            ("text/plain", Self.png), ("text/plain; charset=utf-8", [0x48, 0x00, 0x49]),
        ]
        for (declared, content) in cases {
            #expect(!MediaTypeSniffer.matches(declared: declared, prefix: content), "\(declared)")
        }
    }

    @Test("text may end inside a multi-byte character, but stray bytes are not text")
    func textPrefixes() {
        let accented = Array("caf\u{00e9} au lait".utf8)
        // Cut after the first byte of "é": still text.
        #expect(MediaTypeSniffer.matches(declared: "text/plain", prefix: Array(accented[0..<4])))
        #expect(!MediaTypeSniffer.matches(declared: "text/plain", prefix: Array("hello".utf8) + [0xFF]))
        #expect(MediaTypeSniffer.mediaType(of: [0xFF, 0xD8]) == "application/octet-stream")
        #expect(!MediaTypeSniffer.matches(declared: "text/plain", prefix: Array("ok".utf8) + [0x80]))
        #expect(MediaTypeSniffer.matches(declared: "text/plain", prefix: Array("ok".utf8) + [0xF0, 0x9F, 0x98]))
    }
}

@Suite("Blob metadata")
struct BlobMetadataTests {
    @Test("only the last path component is kept, whichever separator")
    func pathComponents() {
        #expect(BlobMetadata.sanitise(fileName: "../../etc/passwd") == "passwd")
        #expect(BlobMetadata.sanitise(fileName: "/var/lib/medledger/master.key") == "master.key")
        #expect(BlobMetadata.sanitise(fileName: "C:\\Users\\ada\\Scans\\knee.png") == "knee.png")
        #expect(BlobMetadata.sanitise(fileName: "..\\..\\windows\\system.ini") == "system.ini")
        #expect(BlobMetadata.sanitise(fileName: "scans/2024/report.pdf") == "report.pdf")
    }

    @Test("names that are only dots, separators or blanks become nil")
    func emptyNames() {
        for name in ["", " ", "\t", ".", "..", "...", "../..", "/", "\\", "//", "\u{0}\u{1}", "\u{202E}", " . "] {
            #expect(BlobMetadata.sanitise(fileName: name) == nil, "\(name.debugDescription)")
        }
        #expect(BlobMetadata(mediaType: "text/plain", fileName: "..").fileName == nil)
        #expect(BlobMetadata(mediaType: "text/plain", fileName: nil).fileName == nil)
    }

    @Test("leading dots are removed so no stored name is hidden")
    func leadingDots() {
        #expect(BlobMetadata.sanitise(fileName: ".bashrc") == "bashrc")
        #expect(BlobMetadata.sanitise(fileName: "...hidden.txt") == "hidden.txt")
        #expect(BlobMetadata.sanitise(fileName: "/tmp/.ssh") == "ssh")
        #expect(BlobMetadata.sanitise(fileName: "report.final.pdf") == "report.final.pdf")
        #expect(BlobMetadata.sanitise(fileName: ". .x") == "x")
    }

    @Test("control and format characters are dropped; quotes and shell or header specials are replaced")
    func specialCharacters() throws {
        #expect(BlobMetadata.sanitise(fileName: "lab\nresults\r.pdf") == "labresults.pdf")
        #expect(BlobMetadata.sanitise(fileName: "a\u{0}b\u{7}c\td.txt") == "abcd.txt")
        // A right-to-left override would make "evil\u{202E}fdp.exe" display as "evilexe.pdf".
        #expect(BlobMetadata.sanitise(fileName: "evil\u{202E}fdp.exe") == "evilfdp.exe")
        #expect(BlobMetadata.sanitise(fileName: "zero\u{200B}width.pdf") == "zerowidth.pdf")

        let injected = try #require(BlobMetadata.sanitise(fileName: "report\"; filename=\"evil.exe"))
        #expect(!injected.contains("\""))
        #expect(!injected.contains(";"))
        #expect(injected == "report__ filename=_evil.exe")
        #expect(BlobMetadata.sanitise(fileName: "a:b*c?d<e>f|g.txt") == "a_b_c_d_e_f_g.txt")
        #expect(BlobMetadata.sanitise(fileName: "  spaced name.pdf  ") == "spaced name.pdf")
    }

    @Test("Unicode names are kept as they are")
    func unicodeNames() {
        for name in ["Röntgenbefund 2024 – Knie.pdf", "検査結果.pdf", "تقرير.pdf", "Ελέγχος αίματος.txt", "🩺 check-up.json", "Café.png"] {
            #expect(BlobMetadata.sanitise(fileName: name) == name)
        }
        #expect(BlobMetadata(mediaType: "application/pdf", fileName: "/uploads/Befund März.pdf").fileName == "Befund März.pdf")
    }

    @Test("very long names are cut to 120 characters and keep their extension")
    func longNames() throws {
        let long = try #require(BlobMetadata.sanitise(fileName: String(repeating: "a", count: 300) + ".pdf"))
        #expect(long.count == 120)
        #expect(long == String(repeating: "a", count: 116) + ".pdf")

        let unicode = try #require(BlobMetadata.sanitise(fileName: String(repeating: "é", count: 200) + ".jpeg"))
        #expect(unicode.count == 120)
        #expect(unicode.hasSuffix(".jpeg"))
        #expect(unicode.hasPrefix("éééé"))

        // No extension, or one too long to be an extension: plainly cut.
        let bare = try #require(BlobMetadata.sanitise(fileName: String(repeating: "b", count: 500)))
        #expect(bare == String(repeating: "b", count: 120))
        let odd = try #require(BlobMetadata.sanitise(fileName: String(repeating: "c", count: 200) + "." + String(repeating: "x", count: 30)))
        #expect(odd == String(repeating: "c", count: 120))

        // 120 characters exactly are left alone.
        let exact = String(repeating: "d", count: 116) + ".txt"
        #expect(BlobMetadata.sanitise(fileName: exact) == exact)
    }

    @Test("metadata round-trips through JSON within the encoded size bound")
    func encodedSize() throws {
        let metadata = BlobMetadata(mediaType: "application/pdf", fileName: String(repeating: "🩺", count: 500) + ".pdf")
        let json = try JSONEncoder().encode(metadata)
        #expect(json.count <= BlobMetadata.maxEncodedSize)
        #expect(try JSONDecoder().decode(BlobMetadata.self, from: json) == metadata)
    }
}

@Suite("Content references")
struct ContentReferencesTests {
    struct Attachment: Codable, Sendable {
        let cid: String
        let label: String
        let pages: Int
    }

    struct Section: Codable, Sendable {
        let title: String
        let attachments: [Attachment]
        let related: [String: [String]]
    }

    /// A body shaped like no registered transaction: references are found generically.
    struct NestedBody: Codable, Sendable {
        let profile: String
        let sections: [Section]
        let matrix: [[String?]]
        let notes: [String]
        let flag: Bool
        let count: Int
        let patient: String
    }

    static func cid(_ text: String) -> String { ContentID(rawBlock: Array(text.utf8)).string }
    static func dagPB(_ text: String) -> String {
        ContentID(codec: .dagPB, sha256Digest: Array(SHA256.hash(data: Array(text.utf8))))!.string
    }

    @Test("finds every CID in a signed envelope's body, however deeply nested, and nothing else")
    func nestedReferences() throws {
        let signer = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let profile = Self.cid("profile")
        let scan = Self.dagPB("scan")
        let report = Self.cid("report")
        let deep = Self.dagPB("deep")
        let inArray = Self.cid("in array")
        let outside = Self.cid("not in the body")
        let notCIDs = [
            "hello", "bafy-not-a-cid", "b" + String(repeating: "a", count: 58), profile.uppercased(), String(profile.dropLast()),
            profile + "a", "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", " " + report, signer.address.rawValue,
            "ipfs://\(profile)",
        ]
        let body = NestedBody(
            profile: profile,
            sections: [
                Section(
                    title: "Imaging",
                    attachments: [Attachment(cid: scan, label: "MRI", pages: 3), Attachment(cid: notCIDs[2], label: report, pages: 1)],
                    related: ["previous": [deep, "none"], "empty": []]
                ),
                Section(title: notCIDs[3], attachments: [], related: [:]),
            ],
            matrix: [[nil, inArray], [notCIDs[4], nil], []],
            notes: notCIDs,
            flag: true,
            count: 42,
            patient: signer.address.rawValue
        )
        // A CID in the nonce is outside the body and is not a reference.
        let entry = try signer.sign(type: "record.add", body: body, nonce: outside, expires: testNow + 60_000)
        #expect(ContentReferences.contentIDs(inEntry: entry) == [profile, scan, report, deep, inArray])
    }

    @Test("a body with no CIDs, and entries that are not JSON envelopes, name nothing")
    func noReferences() throws {
        let signer = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let plain = try signer.sign(type: "profile.set", body: ["name": "Ada", "note": "bafy-nothing"], expires: testNow + 60_000)
        #expect(ContentReferences.contentIDs(inEntry: plain).isEmpty)
        let noBody = try signer.signPayloadBytes(Array(#"{"type":"x","cid":"\#(Self.cid("x"))"}"#.utf8))
        #expect(ContentReferences.contentIDs(inEntry: noBody).isEmpty)
        #expect(ContentReferences.contentIDs(inEntry: []).isEmpty)
        #expect(ContentReferences.contentIDs(inEntry: Array("genesis".utf8)).isEmpty)
        #expect(ContentReferences.contentIDs(inEntry: Array(Self.cid("bare").utf8)).isEmpty)
        // A body that is itself a CID string is still found.
        let scalar = try signer.sign(type: "record.add", body: Self.cid("scalar"), expires: testNow + 60_000)
        #expect(ContentReferences.contentIDs(inEntry: scalar) == [Self.cid("scalar")])
    }
}
