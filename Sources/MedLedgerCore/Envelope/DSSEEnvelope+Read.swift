extension DSSEEnvelope {
    /// The members a stored envelope may have; any other is a field nobody reads.
    static let memberNames: Set<String> = ["payloadType", "payload", "signatures"]
    /// The members one signature may have.
    static let signatureMemberNames: Set<String> = ["keyid", "sig"]

    /// Reads an envelope through ``IJSON``, the ledger's one strict reading: the text must be I-JSON
    /// and carry DSSE's fields only.
    public static func read(_ entry: [UInt8]) throws(EnvelopeError) -> DSSEEnvelope {
        let json: IJSONValue
        do { json = try IJSON.parse(entry) } catch { throw .invalidJSON("envelope: \(error)") }
        guard let members = json.object else { throw .malformedEnvelope("not a JSON object") }
        if let unread = UnreadFields.first(in: members, known: memberNames) { throw .unknownField("envelope", unread) }
        let payloadType = try string(members, "payloadType")
        let payload = try string(members, "payload")
        guard let list = members["signatures"] else { throw .malformedEnvelope(#"missing field "signatures""#) }
        guard case .array(let elements) = list else { throw .malformedEnvelope(#"wrong type at "signatures""#) }
        var signatures: [Signature] = []
        for element in elements {
            guard let signature = element.object else { throw .malformedEnvelope(#"wrong type at "signatures""#) }
            if let unread = UnreadFields.first(in: signature, known: signatureMemberNames) {
                throw .unknownField("envelope's signature", unread)
            }
            let keyid: String?
            switch signature["keyid"] {
            case nil, .null?: keyid = nil
            case .string(let text)?: keyid = text
            default: throw .malformedEnvelope(#"wrong type at "signatures.keyid""#)
            }
            signatures.append(Signature(keyid: keyid, sig: try string(signature, "sig", path: "signatures.sig")))
        }
        return DSSEEnvelope(payloadType: payloadType, payload: payload, signatures: signatures)
    }

    private static func string(_ members: [String: IJSONValue], _ name: String, path: String? = nil) throws(EnvelopeError) -> String {
        switch members[name] {
        case .string(let text)?: return text
        case nil: throw .malformedEnvelope("missing field \"\(path ?? name)\"")
        default: throw .malformedEnvelope("wrong type at \"\(path ?? name)\"")
        }
    }
}
