/// One `date` search value: a prefix and the instant range its (possibly partial) date stands for,
/// `start` inclusive and `end` exclusive, in Unix milliseconds.
public struct FHIRDateBound: Sendable, Equatable {
    public enum Prefix: String, Sendable, CaseIterable {
        case eq, ne, gt, lt, ge, le, sa, eb
    }

    public var prefix: Prefix
    public var start: Int64
    public var end: Int64

    /// Parses `ge2024`, `2024-03`, `lt2024-03-05`, `2024-03-05T10:00:00Z`, `eq2024-03-05T10:00:00.5+02:00`.
    public init?(_ text: String) {
        guard text.utf8.count <= 40 else { return nil }
        var rest = Substring(text)
        prefix = .eq
        if let found = Prefix.allCases.first(where: { rest.hasPrefix($0.rawValue) }) {
            prefix = found
            rest = rest.dropFirst(2)
        }
        guard let range = Self.range(String(rest)) else { return nil }
        (start, end) = range
    }

    /// True when an instant (Unix ms) matches the bound, reading the value's range as FHIR does
    /// for a point in time.
    public func matches(_ time: Int64) -> Bool {
        switch prefix {
        case .eq: time >= start && time < end
        case .ne: time < start || time >= end
        case .gt, .sa: time >= end
        case .lt, .eb: time < start
        case .ge: time >= start
        case .le: time < end
        }
    }

    /// The range a date, partial date or date-time stands for.
    static func range(_ text: String) -> (Int64, Int64)? {
        let utf8 = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= utf8.count else { return nil }
            var value: Int64 = 0
            for byte in utf8[from..<(from + count)] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        guard let year = number(0, 4) else { return nil }
        if utf8.count == 4 {
            guard let start = FHIRTime.millis(year: year, month: 1, day: 1), let end = FHIRTime.millis(year: year + 1, month: 1, day: 1) else { return nil }
            return (start, end)
        }
        guard utf8.count >= 7, utf8[4] == 0x2D, let month = number(5, 2) else { return nil }
        if utf8.count == 7 {
            guard let start = FHIRTime.millis(year: year, month: month, day: 1) else { return nil }
            let next = month == 12 ? FHIRTime.millis(year: year + 1, month: 1, day: 1) : FHIRTime.millis(year: year, month: month + 1, day: 1)
            guard let next else { return nil }
            return (start, next)
        }
        guard utf8.count >= 10, utf8[7] == 0x2D, let day = number(8, 2), let midnight = FHIRTime.millis(year: year, month: month, day: day) else { return nil }
        if utf8.count == 10 { return (midnight, midnight + 86_400_000) }
        // A date-time: THH:MM[:SS[.fff…]] then Z or ±HH:MM.
        guard utf8[10] == 0x54, utf8.count >= 16, utf8[13] == 0x3A, let hour = number(11, 2), let minute = number(14, 2), hour < 24, minute < 60
        else { return nil }
        var position = 16
        var seconds: Int64 = 0
        var millis: Int64 = 0
        var precision: Int64 = 60_000
        if position < utf8.count, utf8[position] == 0x3A {
            guard let value = number(position + 1, 2), value < 60 else { return nil }
            seconds = value
            precision = 1000
            position += 3
            if position < utf8.count, utf8[position] == 0x2E {
                position += 1
                var digits = 0
                while position < utf8.count, (0x30...0x39).contains(utf8[position]) {
                    if digits < 3 { millis = millis * 10 + Int64(utf8[position] - 0x30) }
                    digits += 1
                    position += 1
                }
                guard (1...9).contains(digits) else { return nil }
                for _ in 0..<max(0, 3 - digits) { millis *= 10 }
                precision = 1
            }
        }
        var offset: Int64 = 0
        guard position < utf8.count else { return nil }
        if utf8[position] == 0x5A {
            position += 1
        } else if utf8[position] == 0x2B || utf8[position] == 0x2D {
            guard position + 6 == utf8.count, utf8[position + 3] == 0x3A, let hours = number(position + 1, 2), let minutes = number(position + 4, 2),
                hours <= 14, minutes < 60
            else { return nil }
            offset = (hours * 60 + minutes) * 60_000 * (utf8[position] == 0x2B ? 1 : -1)
            position += 6
        } else {
            return nil
        }
        guard position == utf8.count else { return nil }
        let start = midnight + hour * 3_600_000 + minute * 60_000 + seconds * 1000 + millis - offset
        return (start, start + precision)
    }
}
