import Crypto
import MedLedgerCore
import MedLedgerFHIR

/// Builds the seed corpus: small valid inputs of every target, signed with ``FuzzFixtures``, plus
/// edge cases. Written once with `medledger-fuzz seeds <dir>` and committed under
/// `Tests/Fuzz/Corpus/`; signatures and nonces are random, so a second run writes other bytes.
public enum FuzzSeeds {
    /// Seeds by target, each a file name and its bytes.
    public static func make() throws -> [FuzzTarget: [(name: String, bytes: [UInt8])]] {
        var seeds: [FuzzTarget: [(name: String, bytes: [UInt8])]] = [:]
        let payloads = transactionPayloads()
        seeds[.signedPayload] = payloads.map { (name: $0.name, bytes: Array($0.json.utf8)) } + [
            ("not-json", Array("ping".utf8)),
            ("empty-object", Array("{}".utf8)),
        ]
        var envelopes: [(name: String, bytes: [UInt8])] = []
        for payload in payloads where ["ledger.ping", "ledger.genesis", "patient.register", "record.create", "grant.create"].contains(payload.type) {
            envelopes.append((payload.name, try FuzzFixtures.signer.signPayloadBytes(Array(payload.json.utf8))))
        }
        let ping = try FuzzFixtures.signer.signPayloadBytes(Array(payloads[0].json.utf8))
        envelopes += [
            ("empty", []),
            ("truncated", Array(ping.prefix(ping.count / 2))),
            ("other-payload-type", try FuzzFixtures.signer.signPayloadBytes(Array(payloads[0].json.utf8), payloadType: "text/plain")),
            ("no-signatures", Array(#"{"payload":"e30=","payloadType":"application/vnd.medledger.tx+json","signatures":[]}"#.utf8)),
        ]
        seeds[.envelope] = envelopes

        let checkpoint = Checkpoint(
            origin: FuzzFixtures.origin, size: 1234, root: .leaf(Array("root".utf8)), time: FuzzFixtures.now,
            previousSize: 1000, previousHash: Array(SHA256.hash(data: Array("previous".utf8)))
        )
        let first = Checkpoint(origin: FuzzFixtures.origin, size: 1, root: .leaf([0]), time: 0, previousSize: 0, previousHash: Checkpoint.noPrevious)
        let note = try FuzzFixtures.logKey.sign(text: checkpoint.body)
        let cosigned = SignedNote(text: note.text, signatures: note.signatures + [try FuzzFixtures.witnessKey.cosign(note, time: 1_795_000_000)])
        seeds[.signedNote] = [
            ("checkpoint", Array(note.serialized.utf8)),
            ("cosigned-checkpoint", Array(cosigned.serialized.utf8)),
            ("log-vkey", Array(FuzzFixtures.logKey.verifierKey.vkey.utf8)),
            ("witness-vkey", Array(FuzzFixtures.witnessKey.verifierKey.vkey.utf8)),
            ("no-signature", Array((checkpoint.body + "\n").utf8)),
        ]
        seeds[.checkpoint] = [
            ("body", Array(checkpoint.body.utf8)),
            ("first-body", Array(first.body.utf8)),
            ("signed", Array(note.serialized.utf8)),
            ("cosigned", Array(cosigned.serialized.utf8)),
            ("tree-head-only", Array("\(FuzzFixtures.origin)\n7\n\(Base64Coding.standard(TreeHash.empty.bytes))\n".utf8)),
            ("max-numbers", Array(Checkpoint(origin: FuzzFixtures.origin, size: .max, root: .empty, time: .min, previousSize: .max, previousHash: Checkpoint.noPrevious).body.utf8)),
        ]
        seeds[.tilePath] = [
            "0/000", "0/x001/x234/067", "0/x001/x234/067.p/8", "7/000.p/255", "entries/005", "entries/000.p/1",
            "entries/x018/x446/x744/x073/x709/x551/615", "0/x018/x446/x744/x073/x709/x551/615.p/255", "8/000", "0/x000/005",
        ].enumerated().map { (name: "path-\($0.offset)", bytes: Array($0.element.utf8)) }
        seeds[.entryBundle] = [
            ("two-entries", TileRequest.bundle([Array(ping), [0x01, 0x02]])),
            ("empty-entry", TileRequest.bundle([[]])),
            ("empty", []),
            ("short-length", [0x00]),
            ("length-past-end", [0xFF, 0xFF, 0x00]),
        ]
        seeds[.range] = [
            (100, "bytes=0-9"), (100, "bytes=90-"), (100, "bytes=-5"), (100, "bytes=95-200"), (0, "bytes=0-"),
            (Int64.max, "bytes=0-9223372036854775807"), (100, "bytes=-9223372036854775808"), (100, "bytes=0-1,5-6"),
            (1 << 40, "bytes= 5 - 9 "), (100, "items=0-3"),
        ].enumerated().map { item in
            let size = UInt64(item.element.0)
            let prefix = (0..<8).map { UInt8(truncatingIfNeeded: size >> (56 - 8 * UInt64($0))) }
            return (name: "range-\(item.offset)", bytes: prefix + Array(item.element.1.utf8))
        }
        let signed = try RequestSignature.sign(
            method: RequestSignatureFuzzing.method, target: RequestSignatureFuzzing.target, time: FuzzFixtures.now, body: [],
            with: FuzzFixtures.accountKey
        )
        seeds[.requestSignature] = [
            ("valid", Array(signed.header.utf8)),
            ("reordered", Array(#"MedLedger sig="\#(signed.signature)", key="\#(signed.key)", time="\#(signed.time)""#.utf8)),
            ("huge-time", Array(RequestSignature(key: signed.key, time: .min, signature: signed.signature).header.utf8)),
            ("other-scheme", Array("Bearer abc".utf8)),
        ]
        seeds[.storedObject] = try storedObjects()
        let raw = ContentID(rawBlock: Array("hello".utf8))
        let dagPB = ContentID(codec: .dagPB, sha256Digest: raw.digest)
        seeds[.contentID] = [
            ("raw", Array(raw.string.utf8)),
            ("dag-pb", Array((dagPB?.string ?? raw.string).utf8)),
            ("cidv0", Array("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG".utf8)),
            ("upper-case", Array(raw.string.uppercased().utf8)),
        ]
        let request = AddCheckpointRequest(oldSize: 1000, proof: [.leaf([1]), .leaf([2])], checkpoint: note)
        seeds[.addCheckpoint] = [
            ("with-proof", Array(request.serialized.utf8)),
            ("first", Array(AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: cosigned).serialized.utf8)),
            ("leading-zero", Array(("old 01\n\n" + note.serialized).utf8)),
        ]
        seeds[.ijson] = [
            ("payload", Array(payloads[1].json.utf8)),
            ("envelope", ping),
            ("scalars", Array(#"[null,true,false,0,-0,1.5e3,-9007199254740991,"",[],{}]"#.utf8)),
            ("escapes", Array(#"{"a\u00e9\"":"\ud83d\ude00\n\t\/","b":{"c":[1,{"d":null}]}}"#.utf8)),
            ("unicode", Array(#"["é€😀", "\u0000"]"#.utf8)),
            ("duplicate-key", Array(#"{"a":1,"a":2}"#.utf8)),
            ("lone-surrogate", Array(#"["\ud800"]"#.utf8)),
            ("too-large", Array("9007199254740992".utf8)),
            ("deep", Array((String(repeating: "[", count: 64) + String(repeating: "]", count: 64)).utf8)),
            ("too-deep", Array((String(repeating: "[", count: 65) + String(repeating: "]", count: 65)).utf8)),
            ("invalid-utf8", [0x22, 0xC3, 0x28, 0x22]),
            ("bom", [0xEF, 0xBB, 0xBF] + Array("{}".utf8)),
        ]
        seeds[.patientProfile] = [
            ("complete", Array((#"{"name":"Alex Demo","birthDate":"1985-04-12","phone":"+1 555 0101","address":"1 Main St\nTown","#
                + #""emergencyContact":"Sam","gender":"female","weightKg":71.5,"heightCm":168,"bloodType":"O-","allergies":"penicillin","#
                + #""medications":"none","conditions":"asthma"}"#).utf8)),
            ("out-of-range", Array(#"{"weightKg":900,"heightCm":-1}"#.utf8)),
            ("unknown-field", Array(#"{"name":"A","shoeSize":"44"}"#.utf8)),
            ("bad-date", Array(#"{"birthDate":"1985-02-30"}"#.utf8)),
            ("not-object", Array(#"["name"]"#.utf8)),
            ("nested", Array(#"{"name":{"allergies":"penicillin"}}"#.utf8)),
        ]
        seeds[.fhirSearch] = fhirSearchSeeds()
        return seeds
    }

    /// One payload per registered transaction type, with a body that is valid for a few and a
    /// plausible guess for the rest (decoding and validation are what the fuzzer explores).
    static func transactionPayloads() -> [(name: String, type: String, json: String)] {
        let key = FuzzFixtures.signer.payloadKey
        let address = FuzzFixtures.signer.address.rawValue
        let service = NodeServiceKey.derive(from: FuzzFixtures.logKey).publicKey.payloadKey
        let cid = ContentID(rawBlock: Array("content".utf8)).string
        let bodies: [String: String] = [
            "ledger.ping": "{}",
            "ledger.genesis": #"{"admin":"\#(key)","adminName":"Fuzz Admin","origin":"\#(FuzzFixtures.origin)","service":"\#(service)"}"#,
            "patient.register": #"{"profile":"\#(cid)"}"#,
            "record.create": #"{"category":"lab_results","content":"\#(cid)","id":"record-0001","patient":"\#(address)"}"#,
            "grant.create": #"{"expires":\#(FuzzFixtures.now + 3_600_000),"grantee":"\#(address)","id":"grant-1","scope":{"categories":["reports"]}}"#,
        ]
        let types = ["ledger.ping"] + ContractEngine.registry.types.filter { $0 != "ledger.ping" }
        return types.enumerated().map { offset, type in
            let body = bodies[type] ?? #"{"id":"x-\#(offset)","patient":"\#(address)","record":"record-0001","content":"\#(cid)"}"#
            let nonce = "fuzz-nonce-\(String(repeating: "0", count: max(0, 4 - String(offset).count)))\(offset)-abcdef"
            let json = #"{"body":\#(body),"expires":\#(FuzzFixtures.now + 60_000),"nonce":"\#(nonce)","origin":"\#(FuzzFixtures.origin)","signer":"\#(key)","type":"\#(type)"}"#
            return (name: type, type: type, json: json)
        }
    }

    /// Stored objects sealed with ``FuzzFixtures/patientKey`` in 1 KiB segments (the smallest), so
    /// small inputs have several segments; and a legacy single-block object.
    static func storedObjects() throws -> [(name: String, bytes: [UInt8])] {
        var objects: [(name: String, bytes: [UInt8])] = []
        for (name, size) in [("empty", 0), ("one-segment", 100), ("three-segments", 2100), ("exact-segments", 2048)] {
            var sealer = try StreamSealer(
                owner: FuzzFixtures.signer.address, patientKey: FuzzFixtures.patientKey,
                metadata: BlobMetadata(mediaType: "text/plain", fileName: "note.txt"), segmentShift: 10
            )
            var bytes = sealer.header.bytes
            let plaintext = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            try sealer.append(plaintext) { bytes += $0 }
            try sealer.finish { bytes += $0 }
            objects.append((name, bytes))
        }
        let legacy = try SealedObject(sealing: Array("legacy".utf8), key: FuzzFixtures.patientKey, owner: FuzzFixtures.signer.address)
        objects.append(("legacy", legacy.bytes))
        return objects
    }

    /// FHIR searches: the first byte picks the resource type (``FHIRSearchFuzzing``), the rest is
    /// the query.
    static func fhirSearchSeeds() -> [(name: String, bytes: [UInt8])] {
        let patient = FuzzFixtures.signer.address.rawValue
        let searches: [(String, String, String)] = [
            ("documents", "DocumentReference",
                "patient=Patient/\(patient)&category=11506-3,lab_results&status=current&date=ge2026-01&date=lt2026-12-05T10:00:00Z&_count=20&_offset=40"),
            ("appointments", "Appointment", "patient=\(patient)&status=booked,proposed&date=2026-12"),
            ("audit", "AuditEvent", "entity=DocumentReference/rx-1&date=gt2026-12-01T00:00:00.5+01:00&_id=17,18"),
            ("scopes", "Patient", "scope=launch/patient&s=patient/*.rs&t=user/DocumentReference.read&u=patient/Observation.cruds"),
            ("huge-count", "Consent", "_count=999999999999999999999&_offset=-1"),
        ]
        return searches.compactMap { name, type, query in
            guard let position = FHIRResourceType.allCases.firstIndex(where: { $0.rawValue == type }) else { return nil }
            return (name, [UInt8(position)] + Array(query.utf8))
        }
    }
}
