/// FHIR's date and time forms from the ledger's Unix milliseconds, always in UTC: a block time is
/// the one clock the ledger trusts, so every resource states times exactly as the ledger has them.
public enum FHIRTime {
    /// `instant`: `2026-12-05T09:56:09.123Z`.
    public static func instant(_ millis: Int64) -> String {
        let (days, rest) = floorDivide(millis, 86_400_000)
        let (year, month, day) = civil(days)
        let seconds = rest / 1000
        let fraction = rest % 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2)).\(pad(fraction, 3))Z"
    }

    /// `date`: `2026-12-05`.
    public static func date(_ millis: Int64) -> String {
        let (year, month, day) = civil(floorDivide(millis, 86_400_000).0)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Unix milliseconds of midnight UTC starting the given day; nil for a day outside the calendar.
    public static func millis(year: Int64, month: Int64, day: Int64) -> Int64? {
        guard (1...12).contains(month), (1...31).contains(day), (1...9999).contains(year) else { return nil }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days: [Int64] = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= days[Int(month - 1)] else { return nil }
        // Days from the civil date (proleptic Gregorian), after H. Hinnant's algorithm.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return (era * 146_097 + doe - 719_468) * 86_400_000
    }

    static func civil(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func floorDivide(_ value: Int64, _ by: Int64) -> (Int64, Int64) {
        let quotient = value >= 0 ? value / by : (value - by + 1) / by
        return (quotient, value - quotient * by)
    }

    static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
