import ColanCore
@testable import ColanSupport
import Testing

@Suite struct TextFormatTests {
    /// The terminal table aligns by characters, not bytes (a non-ASCII name must not push its
    /// row out of line), right-aligns the numeric columns and trims trailing spaces.
    @Test func tablesAlignByCharactersAndTrimTrailingSpaces() {
        let rows = [["name", "n", "note"], ["é", "1", ""], ["日本", "22", "x"], ["abc", "333", "yz "]]
        #expect(TextTable.render(rows, rightAligned: [1]) == """
            name    n  note
            é       1
            日本     22  x
            abc   333  yz

            """)
    }

    /// CSV and JSON write integers byte by byte: every sign and magnitude must read back.
    @Test func integersAreWrittenExactly() {
        for v: Int64 in [0, 7, -7, 10, -100, 1_234_567_890, .max, .min] {
            var out: [UInt8] = [120]
            TextFormat.appendInteger(v, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == "x" + String(v))
        }
    }
}
