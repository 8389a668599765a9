import ColanCore
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
}
