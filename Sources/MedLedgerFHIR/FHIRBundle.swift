/// A FHIR `Bundle` of type `searchset`: the total, the links (self, first, next, previous) and one
/// entry per match, plus included resources marked `include`; and the NDJSON lines of a bulk
/// export file.
public enum FHIRBundle {
    /// One entry: the resource, its absolute URL, and whether it matched or was included.
    public struct Entry: Sendable {
        public var resource: FHIRJSON
        public var mode: String

        public init(resource: FHIRJSON, mode: String = "match") {
            self.resource = resource
            self.mode = mode
        }
    }

    /// `links` are relation and absolute URL pairs in the order given.
    public static func searchset(total: Int, entries: [Entry], links: [(String, String)], context: FHIRContext) -> FHIRJSON {
        .members([
            "resourceType": "Bundle",
            "type": "searchset",
            "total": .integer(Int64(total)),
            "link": .array(links.map { ["relation": .string($0.0), "url": .string($0.1)] }),
            "entry": .array(entries.map { entry in
                .members([
                    "fullUrl": fullURL(of: entry.resource, context: context).map(FHIRJSON.string),
                    "resource": entry.resource,
                    "search": ["mode": .string(entry.mode)],
                ])
            }),
        ])
    }

    /// `<base>/<Type>/<id>` of a resource.
    public static func fullURL(of resource: FHIRJSON, context: FHIRContext) -> String? {
        guard let type = resource["resourceType"]?.string, let id = resource["id"]?.string else { return nil }
        return "\(context.base)/\(type)/\(id)"
    }

    /// Resources as NDJSON: one compact resource per line, each line ending in a newline.
    public static func ndjson(_ resources: [FHIRJSON]) -> [UInt8] {
        var out: [UInt8] = []
        for resource in resources {
            out += resource.bytes
            out.append(0x0A)
        }
        return out
    }
}
