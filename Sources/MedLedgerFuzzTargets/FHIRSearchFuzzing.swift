import MedLedgerCore
import MedLedgerFHIR

/// Drives ``FHIRSearch/parse(_:query:lenient:)`` with a resource type chosen by the first byte and
/// the rest as a raw query string (`name=value&…`, no percent-decoding, as the router hands
/// decoded pairs over), and ``SMARTScope`` with every value.
public enum FHIRSearchFuzzing {
    public static func check(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        guard let first = input.first else { return }
        let types = FHIRResourceType.allCases
        let type = types[Int(first) % types.count]
        let text = String(decoding: input.dropFirst(), as: UTF8.self)
        let pairs = text.split(separator: "&", omittingEmptySubsequences: false).map { item -> (String, String) in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        for (_, value) in pairs { try checkScope(value) }
        for lenient in [false, true] {
            guard let search = try? FHIRSearch.parse(type, query: pairs, lenient: lenient) else { continue }
            try FuzzInvariantViolation.expect((1...FHIRSearch.maxCount).contains(search.count), "a page size is 1 to the maximum")
            try FuzzInvariantViolation.expect((0...FHIRSearch.maxOffset).contains(search.offset), "an offset is 0 to the maximum")
            // The paging links' query names the same search.
            let again = try? FHIRSearch.parse(type, query: search.query(offset: search.offset), lenient: lenient)
            try FuzzInvariantViolation.expect(again == search, "a search's own link parses to the same search")
        }
    }

    /// A scope that parses normalises to a text that parses to itself.
    static func checkScope(_ value: String) throws(FuzzInvariantViolation) {
        guard let scope = SMARTScope(value), let normalized = scope.normalized else { return }
        try FuzzInvariantViolation.expect(SMARTScope(normalized)?.normalized == normalized, "a normalised scope is stable")
        try FuzzInvariantViolation.expect(scope.read || scope.search, "a normalised scope grants something")
    }
}
