import Foundation
import Testing

import MedLedgerCore

@Suite("ledger time formats")
struct LedgerTimeFormatTests {
    /// 2026-11-21 00:00 UTC.
    let day: Int64 = 1_795_219_200_000

    @Test("exports use ISO 8601 in UTC with milliseconds, and file names the UTC day")
    func isoTimes() {
        #expect(LedgerTimeFormat.iso8601(day) == "2026-11-21T00:00:00.000Z")
        #expect(LedgerTimeFormat.iso8601(day + 570 * 60_000 + 5_120) == "2026-11-21T09:30:05.120Z")
        #expect(LedgerTimeFormat.iso8601(-1) == "1969-12-31T23:59:59.999Z")
        #expect(LedgerTimeFormat.isoDay(day + 86_399_999) == "2026-11-21")
    }

    @Test("pages read the day, month name, year and UTC time; charts the month and day")
    func pageTimes() {
        #expect(LedgerTimeFormat.display(day + 570 * 60_000) == "21 Nov 2026, 09:30 UTC")
        #expect(LedgerTimeFormat.display(day - 1) == "20 Nov 2026, 23:59 UTC")
        #expect(LedgerTimeFormat.monthDay(day) == "11-21")
    }

    @Test("evidence file stamps sort as text in time order")
    func compactStamps() {
        #expect(LedgerTimeFormat.compact(day + 570 * 60_000 + 5_120) == "20261121T093005.120Z")
        let stamps = [day, day + 1, day + 999, day + 1_000, day + 86_400_000].map(LedgerTimeFormat.compact)
        #expect(stamps == stamps.sorted())
    }

    @Test("the wall clock is read in whole milliseconds, rounded down")
    func clockRoundsDown() {
        #expect(UnixMilliseconds.of(Date(timeIntervalSince1970: 1.9999)) == 1_999)
        #expect(UnixMilliseconds.date(1_500) == Date(timeIntervalSince1970: 1.5))
        let before = UnixMilliseconds.of(Date())
        #expect(UnixMilliseconds.now() >= before)
    }
}
