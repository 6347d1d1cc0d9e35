import Testing

import MedLedgerCore
import MedLedgerFuzzTargets

/// The seeds are only useful if they get past each parser's first checks: signed seeds must verify
/// with the fixed keys, so that the fuzzer's mutations start from inputs that reach the deep code.
@Suite("fuzz seeds reach past signature checks")
struct SeedReachTests {
    static func seed(_ target: FuzzTarget, _ name: String) throws -> [UInt8] {
        let seeds = try FuzzSeeds.make()
        return try #require(seeds[target]?.first { $0.name == name }?.bytes, "no seed \(target.rawValue)/\(name)")
    }

    @Test("the ping and genesis envelope seeds are accepted by the verifier", arguments: ["ledger.ping", "ledger.genesis"])
    func envelopesVerify(name: String) throws {
        let verifier = EnvelopeVerifier(registry: ContractEngine.registry, origin: FuzzFixtures.origin)
        let parsed = try verifier.parse(try Self.seed(.envelope, name))
        #expect(parsed.signer == FuzzFixtures.address)
        #expect(parsed.type == name)
    }

    @Test("the signed checkpoint seed opens with the fixed log key")
    func checkpointOpens() throws {
        let text = String(decoding: try Self.seed(.checkpoint, "signed"), as: UTF8.self)
        let opened = try SignedCheckpoint.open(text, verifier: FuzzFixtures.logVerifierKey)
        #expect(opened.checkpoint.origin == FuzzFixtures.origin)
    }

    @Test("the cosigned note seed carries a valid witness cosignature")
    func cosignatureVerifies() throws {
        let note = try SignedNote.parse(String(decoding: try Self.seed(.signedNote, "cosigned-checkpoint"), as: UTF8.self))
        #expect(FuzzFixtures.witnessVerifierKey.cosignatureTime(on: note) != nil)
    }

    @Test("the request-signature seed verifies at the fixed clock")
    func requestSignatureVerifies() throws {
        let header = String(decoding: try Self.seed(.requestSignature, "valid"), as: UTF8.self)
        let signature = try #require(RequestSignature.parse(header: header))
        let signer = try signature.verify(
            method: RequestSignatureFuzzing.method, target: RequestSignatureFuzzing.target,
            bodyDigest: FuzzFixtures.emptyBodyDigest, now: FuzzFixtures.now
        )
        #expect(signer == FuzzFixtures.address)
    }

    @Test("the stored-object seeds open segment by segment with the fixed patient key",
          arguments: ["empty", "one-segment", "three-segments", "exact-segments"])
    func storedObjectsOpen(name: String) throws {
        let bytes = try Self.seed(.storedObject, name)
        let header = try SealedObjectHeader(parsing: bytes)
        let opener = try StreamOpener(header: header, storedSize: Int64(bytes.count), patientKey: FuzzFixtures.patientKey)
        var plaintext = 0
        for index in 0..<opener.segmentCount {
            let range = opener.segmentRange(index)
            plaintext += try Array(bytes[Int(range.lowerBound)..<Int(range.upperBound)]).withUnsafeBytes { try opener.open(segment: index, $0) }.count
        }
        #expect(Int64(plaintext) == opener.plaintextSize)
    }

    @Test("the add-checkpoint seed with a proof parses")
    func addCheckpointParses() throws {
        let request = try AddCheckpointRequest.parse(try Self.seed(.addCheckpoint, "with-proof"))
        #expect(request.proof.count == 2)
    }
}
