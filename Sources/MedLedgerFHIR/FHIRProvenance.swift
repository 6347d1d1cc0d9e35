import MedLedgerCore

/// The provenance of one record version as a FHIR `Provenance`: the version it targets, when the
/// ledger recorded it, who wrote it, and the DSSE envelope they signed, byte for byte, as the
/// author's signature. Extensions carry the entry's index and a checkpoint whose tree includes
/// it, so anyone can fetch an inclusion proof (`/v1/proofs/inclusion`) and check the signature
/// against the public log.
public enum FHIRProvenance {
    /// `envelope` is the signed entry that wrote the version; `checkpoint` the text of a signed
    /// checkpoint note whose tree includes it.
    public static func resource(
        _ value: FHIRRecordVersion, envelope: [UInt8], checkpoint: String?, context: FHIRContext
    ) -> FHIRJSON {
        let who = value.author(context)
        let when = FHIRTime.instant(value.version.time)
        var extensions: [FHIRJSON] = [["url": .string(context.extensionURL("ledger-entry")), "valueString": .string(String(value.version.entry))]]
        if let checkpoint {
            extensions.append(["url": .string(context.extensionURL("ledger-checkpoint")), "valueString": .string(checkpoint)])
        }
        return .members([
            "resourceType": "Provenance",
            "id": .string(value.binaryID),
            "target": [["reference": .string("\(value.resourceType)/\(value.record.id)/_history/\(value.version.number)")]],
            "recorded": .string(when),
            "activity": ["coding": [[
                "system": "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                "code": .string(value.version.number == 1 ? "CREATE" : "UPDATE"),
            ]]],
            "agent": [[
                "type": ["coding": [["system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type", "code": "author", "display": "Author"]]],
                "who": who,
            ]],
            "signature": [[
                "type": [["system": "urn:iso-astm:E1762-95:2013", "code": "1.2.840.10065.1.12.1.1", "display": "Author's Signature"]],
                "when": .string(when),
                "who": who,
                "sigFormat": "application/vnd.dsse+json",
                "data": .string(Base64Coding.standard(envelope)),
            ]],
            "extension": .array(extensions),
        ])
    }

    /// Splits a Provenance or Binary id, `<recordId>-<version>`, at its last hyphen; nil when it has
    /// no positive version.
    public static func split(_ id: String) -> (record: String, version: Int)? {
        guard let dash = id.lastIndex(of: "-") else { return nil }
        let record = String(id[..<dash])
        let digits = id[id.index(after: dash)...]
        guard !record.isEmpty, (1...9).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }), let version = Int(digits), version >= 1
        else { return nil }
        return (record, version)
    }
}
