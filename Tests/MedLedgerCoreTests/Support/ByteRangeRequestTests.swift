import Testing

import MedLedgerCore

@Suite("HTTP Range header parsing")
struct ByteRangeRequestTests {
    @Test("single byte ranges resolve as RFC 9110 describes",
          arguments: [
              (nil, ByteRangeRequest.whole),
              ("bytes=0-9", .partial(0..<10)),
              ("bytes=90-", .partial(90..<100)),
              ("bytes=-5", .partial(95..<100)),
              ("bytes=-500", .partial(0..<100)),
              ("bytes=95-200", .partial(95..<100)),
              ("bytes=99-99", .partial(99..<100)),
              ("bytes= 3 - 4 ", .partial(3..<5)),
              ("bytes=100-", .unsatisfiable),
              ("bytes=100-200", .unsatisfiable),
          ] as [(String?, ByteRangeRequest)])
    func resolvesSingleRanges(header: String?, expected: ByteRangeRequest) {
        #expect(ByteRangeRequest(header: header, size: 100) == expected)
    }

    @Test("other units, several ranges, backwards and malformed ranges are served whole",
          arguments: [
              "items=0-3", "bytes=0-1,5-6", "bytes=9-3", "bytes=", "bytes=-", "bytes=5", "bytes=a-b", "bytes=1-x",
              "Bytes=0-1", "bytes 0-1", "",
          ])
    func servesMalformedWhole(header: String) {
        #expect(ByteRangeRequest(header: header, size: 100) == .whole)
    }

    @Test("an end of Int64.max is clamped to the last byte instead of overflowing")
    func clampsInt64MaxEnd() {
        #expect(ByteRangeRequest(header: "bytes=0-9223372036854775807", size: 100) == .partial(0..<100))
        #expect(ByteRangeRequest(header: "bytes=0-9223372036854775807", size: .max) == .partial(0..<Int64.max))
        #expect(ByteRangeRequest(header: "bytes=9223372036854775806-9223372036854775807", size: .max)
            == .partial(9_223_372_036_854_775_806..<Int64.max))
        #expect(ByteRangeRequest(header: "bytes=-9223372036854775807", size: 100) == .partial(0..<100))
        #expect(ByteRangeRequest(header: "bytes=-9223372036854775807", size: .max) == .partial(0..<Int64.max))
    }

    @Test("numbers beyond Int64 are malformed, not trapped on",
          arguments: [
              ("bytes=0-9223372036854775808", ByteRangeRequest.whole),
              ("bytes=0-99999999999999999999999999", .whole),
              ("bytes=9223372036854775808-", .whole),
              ("bytes=99999999999999999999999999-1", .whole),
              ("bytes=-9223372036854775808", .unsatisfiable),
              ("bytes=-99999999999999999999999999", .unsatisfiable),
          ] as [(String, ByteRangeRequest)])
    func refusesHugeNumbers(header: String, expected: ByteRangeRequest) {
        #expect(ByteRangeRequest(header: header, size: 100) == expected)
    }

    @Test("negative numbers never make a range",
          arguments: [
              ("bytes=-0", ByteRangeRequest.unsatisfiable),
              ("bytes=--5", .unsatisfiable),
              ("bytes=5--9", .whole),
              ("bytes=-5-9", .unsatisfiable),
              ("bytes=--", .unsatisfiable),
          ] as [(String, ByteRangeRequest)])
    func refusesNegativeNumbers(header: String, expected: ByteRangeRequest) {
        #expect(ByteRangeRequest(header: header, size: 100) == expected)
    }

    @Test("an empty body satisfies no range")
    func emptyBodySatisfiesNothing() {
        #expect(ByteRangeRequest(header: "bytes=0-", size: 0) == .unsatisfiable)
        #expect(ByteRangeRequest(header: "bytes=0-0", size: 0) == .unsatisfiable)
        #expect(ByteRangeRequest(header: "bytes=-1", size: 0) == .unsatisfiable)
        #expect(ByteRangeRequest(header: nil, size: 0) == .whole)
    }
}
