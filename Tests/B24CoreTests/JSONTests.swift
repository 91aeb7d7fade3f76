import B24Core
import Testing

@Suite("JSON parsing and PHP-style serialisation")
struct JSONTests {
    @Test("objects keep key order and values keep their types")
    func orderAndTypes() throws {
        let value = try JSON.parse(#"{"z":1,"a":"2","m":[true,null,1.5,-3],"e":{},"l":[]}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m", "e", "l"])
        #expect(value["z"] == .int(1))
        #expect(value["a"] == .string("2"))
        #expect(value["m"] == .array([.bool(true), .null, .double(1.5), .int(-3)]))
        #expect(value["e"] == .object(JSONObject()))
        #expect(value["l"] == .array([]))
    }

    @Test("a repeated member name keeps its first place and its last value, as PHP does")
    func repeatedMember() throws {
        let value = try JSON.parse(#"{"a":1,"b":2,"a":3,"c":{"x":1,"x":2}}"#)
        #expect(value.objectValue?.keys == ["a", "b", "c"])
        #expect(value["a"] == .int(3))
        #expect(value["c"]?.objectValue?.keys == ["x"])
        #expect(value["c"]?["x"] == .int(2))
        #expect(Array(value.objectValue ?? JSONObject()).map(\.key) == ["a", "b", "c"])
    }

    @Test("numbers: big integers, exponents and overflow")
    func numbers() throws {
        #expect(try JSON.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSON.parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try JSON.parse("1e3") == .double(1000))
        #expect(try JSON.parse("-0.5E-2") == .double(-0.005))
        #expect(try JSON.parse("1e400") == .double(.infinity))
        #expect(throws: JSONParseError.self) { try JSON.parse("01") }
        #expect(throws: JSONParseError.self) { try JSON.parse("1.") }
        #expect(throws: JSONParseError.self) { try JSON.parse("-") }
    }

    @Test("escapes, surrogate pairs and lone surrogates")
    func strings() throws {
        #expect(try JSON.parse(#""a\"b\\c\/d\n\t\r\b\f""#) == .string("a\"b\\c/d\n\t\r\u{8}\u{C}"))
        #expect(try JSON.parse(#""\u041b\u0438\u0434 \ud83d\ude80""#) == .string("Лид 🚀"))
        #expect(try JSON.parse(#""\ud83d x""#) == .string("\u{FFFD} x"))
        #expect(try JSON.parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test("a document cut short is reported as truncated; a malformed one is not")
    func truncation() {
        for text in [#"{"result":[{"ID":"1"#, #"{"a":"#, "[1,2", #""abc"#, "tru", #"{"a":1"#] {
            #expect(throws: JSONParseError.self) { try JSON.parse(text) }
            do {
                _ = try JSON.parse(text)
            } catch {
                #expect(error.isTruncated, "\(text)")
            }
        }
        do {
            _ = try JSON.parse(#"{"a":1]"#)
            Issue.record("parsed malformed JSON")
        } catch {
            #expect(!error.isTruncated)
        }
        #expect(throws: JSONParseError.self) { try JSON.parse("<html>500</html>") }
    }

    @Test("PHP serialisation escapes slashes and non-ASCII and round-trips")
    func phpSerialisation() throws {
        let value: JSON = ["url": "https://x/y", "name": "Лид 🚀 שלום", "ctl": "a\u{1}\u{0}b", "n": 5, "f": 1.5]
        let text = value.serialized(.php)
        #expect(
            text
                == #"{"url":"https:\/\/x\/y","name":"\u041b\u0438\u0434 \ud83d\ude80 \u05e9\u05dc\u05d5\u05dd","ctl":"a\u0001\u0000b","n":5,"f":1.5}"#
        )
        #expect(try JSON.parse(text) == value)
        #expect(try JSON.parse(value.serialized()) == value)
        #expect(value.serialized().contains("Лид"))
    }

    @Test("lists arrive as arrays or as objects with index keys")
    func elements() throws {
        #expect(try JSON.parse(#"["a","b"]"#).elements == ["a", "b"])
        #expect(try JSON.parse(#"{"0":"a","1":"b"}"#).elements == ["a", "b"])
        #expect(try JSON.parse(#""a""#).elements == nil)
    }
}
