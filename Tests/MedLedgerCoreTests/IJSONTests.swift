import Foundation
import Testing

@testable import MedLedgerCore

@Suite("I-JSON: the ledger's one strict reading")
struct IJSONTests {
    @Test("ordinary JSON reads to the values it spells")
    func readsValues() throws {
        let value = try IJSON.parse(#" {"a":[1,-2.5,true,false,null],"b":{"c":"d\n\u00e9\ud83d\ude00"},"e":""} "#)
        #expect(value == .object([
            "a": .array([.number(1), .number(-2.5), .bool(true), .bool(false), .null]),
            "b": .object(["c": .string("d\né😀")]),
            "e": .string(""),
        ]))
    }

    @Test("raw multi-byte UTF-8 of every length is kept")
    func keepsRawUTF8() throws {
        #expect(try IJSON.parse(Array(#""é€😀""#.utf8)) == .string("é€😀"))
    }

    @Test("a key twice in one object is refused, at any depth",
          arguments: [#"{"id":1,"id":2}"#, #"{"a":{"x":"1","x":"1"}}"#, #"[{"k":1},{"k":1,"k":1}]"#, #"{"\u0069d":1,"id":2}"#])
    func duplicateKeys(text: String) {
        #expect(kind(text) == .duplicateKey)
    }

    @Test("a duplicate plain field name is named; an odd one is not")
    func duplicateKeyNaming() throws {
        let plain = try #require(error(#"{"content":1,"content":2}"#))
        #expect(plain.key == "content")
        #expect(plain.description.contains("\"content\""))
        let odd = try #require(error(#"{"my secret diagnosis":1,"my secret diagnosis":2}"#))
        #expect(odd.key == nil)
        #expect(!odd.description.contains("diagnosis"))
    }

    @Test("lone surrogates are refused, escaped or paired wrongly",
          arguments: [#""\ud800""#, #""\udc00""#, #""\ud800x""#, #""\ud800\u0041""#, #""\ud800\ud800""#])
    func loneSurrogates(text: String) {
        #expect(kind(text) == .loneSurrogate)
    }

    @Test("invalid UTF-8 is refused: stray continuation, overlong, encoded surrogate, beyond U+10FFFF, truncated, BOM",
          arguments: [[0x22, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xE0, 0x80, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
                      [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x82], [0x22, 0xE2, 0x82, 0x22]] as [[UInt8]])
    func invalidUTF8(bytes: [UInt8]) {
        #expect(throws: IJSONError.self) { try IJSON.parse(bytes) }
        if let error = try? requireError(bytes) { #expect(error.kind == .invalidUTF8 || error.kind == .syntax) }
    }

    @Test("a byte-order mark is not JSON")
    func byteOrderMark() {
        #expect(kind(bytes: [0xEF, 0xBB, 0xBF] + Array("{}".utf8)) == .syntax)
    }

    @Test("numbers beyond ±(2^53 − 1) are refused, whatever their spelling",
          arguments: ["9007199254740992", "-9007199254740993", "1e16", "9007199254740993.0", "1e400", "-1e400", "99999999999999999999"])
    func numbersOutOfRange(text: String) {
        #expect(kind(text) == .numberOutOfRange)
    }

    @Test("the largest safe integers and ordinary numbers are kept", arguments: ["9007199254740991", "-9007199254740991", "0", "-0", "1.5e3", "0.000001"])
    func numbersInRange(text: String) throws {
        guard case .number = try IJSON.parse(text) else {
            Issue.record("\(text) did not read as a number")
            return
        }
    }

    @Test("what JSON itself refuses is refused",
          arguments: ["", " ", "{", "{]", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "+1", "1e", "tru", "nul", "'a'", "\"\t\"",
                      "\"\\x\"", "\"\\u12\"", "{\"a\" 1}", "{1:2}", "[1 2]", "1 2", "\"unterminated", "NaN", "Infinity"])
    func syntaxErrors(text: String) {
        #expect(kind(text) == .syntax, "\(text)")
    }

    @Test("nesting is bounded, so no reader recurses without end")
    func depth() throws {
        let deep = String(repeating: "[", count: IJSON.maxDepth) + String(repeating: "]", count: IJSON.maxDepth)
        _ = try IJSON.parse(deep)
        let tooDeep = String(repeating: "[", count: IJSON.maxDepth + 1) + String(repeating: "]", count: IJSON.maxDepth + 1)
        #expect(kind(tooDeep) == .tooDeep)
        #expect(kind(String(repeating: "{\"a\":", count: 100_000)) == .tooDeep)
    }

    @Test("errors name the rule and offset, never a value")
    func messagesCarryNoValues() {
        for text in [#"{"a":"my diagnosis","a":1}"#, #""my diagnosis \ud800""#, #"{"x": 99999999999999999999}"#] {
            #expect(error(text).map { !$0.description.contains("diagnosis") && !$0.description.contains("9999") } == true)
        }
    }

    @Test("every string value is collected, nested ones too, keys excluded")
    func collectsStrings() throws {
        var found: Set<String> = []
        try IJSON.parse(#"{"k":"a","n":[{"m":"b"},["c"],1,null],"o":{"p":"d"}}"#).collectStrings(into: &found)
        #expect(found == ["a", "b", "c", "d"])
    }

    private func error(_ text: String) -> IJSONError? { try? requireError(Array(text.utf8)) }
    private func kind(_ text: String) -> IJSONError.Kind? { error(text)?.kind }
    private func kind(bytes: [UInt8]) -> IJSONError.Kind? { (try? requireError(bytes))?.kind }

    private func requireError(_ bytes: [UInt8]) throws -> IJSONError {
        do {
            _ = try IJSON.parse(bytes)
        } catch {
            return error
        }
        throw ParsedUnexpectedly()
    }

    private struct ParsedUnexpectedly: Error {}
}
