/// Every parser of client-controlled bytes that the fuzzers drive.
///
/// The raw value is the target's name: on the `medledger-fuzz` command line, in
/// `MEDLEDGER_FUZZ_TARGET` for a libFuzzer build, and as the seed corpus folder under
/// `Tests/Fuzz/Corpus/`. Each target feeds the input to its parser and then checks invariants that
/// must hold for every input (a parsed value re-serialises to the same bytes, a range lies inside
/// its body, …), so the fuzzers find wrong answers as well as traps.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A submitted DSSE envelope through ``EnvelopeVerifier`` with every contract action registered.
    case envelope
    /// Payload bytes signed with a fixed key, so the fuzzer reaches payload and body decoding.
    case signedPayload = "signed-payload"
    /// A C2SP signed note and a note verifier key.
    case signedNote = "signed-note"
    /// A checkpoint body, a tree head, and a signed checkpoint opened with a fixed log key.
    case checkpoint
    /// A `tile/…` path after the prefix.
    case tilePath = "tile-path"
    /// An entry bundle (16-bit length-prefixed entries).
    case entryBundle = "entry-bundle"
    /// An HTTP `Range` header against a body size.
    case range
    /// The `Authorization: MedLedger …` request-signature header and its verification.
    case requestSignature = "request-signature"
    /// A stored content object: its header, segments and content ID.
    case storedObject = "stored-object"
    /// The textual form of a CIDv1.
    case contentID = "content-id"
    /// A witness `add-checkpoint` request body.
    case addCheckpoint = "add-checkpoint"
    /// The strict I-JSON reader every ledger entry goes through.
    case ijson
    /// A patient's profile document, checked before admission and filtered for each reader.
    case patientProfile = "patient-profile"
    /// A FHIR search's query parameters for each resource type, and SMART scopes.
    case fhirSearch = "fhir-search"

    /// Runs the target on `input`; throws when an invariant does not hold. A trap inside a parser
    /// is not caught: it is exactly what the fuzzers look for.
    public func check(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        switch self {
        case .envelope: try EnvelopeFuzzing.check(input)
        case .signedPayload: try SignedPayloadFuzzing.check(input)
        case .signedNote: try SignedNoteFuzzing.check(input)
        case .checkpoint: try CheckpointFuzzing.check(input)
        case .tilePath: try TilePathFuzzing.check(input)
        case .entryBundle: try EntryBundleFuzzing.check(input)
        case .range: try ByteRangeFuzzing.check(input)
        case .requestSignature: try RequestSignatureFuzzing.check(input)
        case .storedObject: try StoredObjectFuzzing.check(input)
        case .contentID: try ContentIDFuzzing.check(input)
        case .addCheckpoint: try AddCheckpointFuzzing.check(input)
        case .ijson: try IJSONFuzzing.check(input)
        case .patientProfile: try PatientProfileFuzzing.check(input)
        case .fhirSearch: try FHIRSearchFuzzing.check(input)
        }
    }

    /// Runs the target on `input` and stops the process on a broken invariant, which is how
    /// libFuzzer learns of a finding and saves the input.
    public func run(_ input: [UInt8]) {
        do {
            try check(input)
        } catch {
            fatalError("fuzz target \(rawValue): \(error.description)")
        }
    }

    /// The same, straight from the fuzzer's buffer.
    public func run(_ input: UnsafeRawBufferPointer) {
        run(Array(input))
    }
}
