import MedLedgerCore

/// Drives ``AddCheckpointRequest/parse(_:)``: the body of a witness's `POST /add-checkpoint`.
public enum AddCheckpointFuzzing {
    /// Parses `input` as a request body and checks it has one spelling.
    public static func check(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        guard let request = try? AddCheckpointRequest.parse(input) else { return }
        try FuzzInvariantViolation.expect(request.proof.count <= AddCheckpointRequest.maxProofLines, "at most 63 proof lines")
        try FuzzInvariantViolation.expect(Array(request.serialized.utf8) == input, "a request body has one spelling")
        let reparsed = try? AddCheckpointRequest.parse(Array(request.serialized.utf8))
        try FuzzInvariantViolation.expect(reparsed == request, "a serialised request parses to the same request")
        if let head = try? TreeHead.parse(noteText: request.checkpoint.text) {
            try FuzzInvariantViolation.expect(!head.origin.isEmpty, "a tree head has an origin")
        }
    }
}
