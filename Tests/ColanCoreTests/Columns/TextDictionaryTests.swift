@testable import ColanColumns
import Testing

/// `TextDictionary.merge` (joining builders' columns: the chunks of a big CSV file, a run of
/// responses) must give every value the code a one-by-one `code(of:)` would, reusing the hashes
/// the other dictionary kept, and leave a table that finds every value afterwards.
@Suite struct TextDictionaryTests {
    static func dictionary(_ values: [String]) -> TextDictionary {
        var d = TextDictionary()
        for v in values { _ = d.code(of: v) }
        return d
    }

    @Test(arguments: [0, 5, 40, 3_000])
    func mergedValuesTakeTheCodesOneByOneAdditionWouldGive(overlap: Int) {
        // Short values, values past 32 bytes (compared byte by byte), shared and new ones; enough to grow the table.
        let first = (0..<2_000).map { i in i % 7 == 0 ? "a-long-value-that-is-past-thirty-two-bytes-\(i)" : "v\(i)" }
        let second = (0..<2_000).map { i in i < overlap ? first[(i * 13) % first.count] : (i % 5 == 0 ? "another-long-value-well-past-thirty-two-bytes-\(i)" : "w\(i)") } + ["", "é"]
        var merged = Self.dictionary(first)
        let translation = merged.merge(Self.dictionary(second))
        var oneByOne = Self.dictionary(first)
        let expected = second.map { oneByOne.code(of: $0) }
        #expect(translation == expected)
        #expect(merged.strings == oneByOne.strings)
        // Every value is found again, and a new one takes the next code.
        for (k, value) in (first + second).enumerated() where k % 3 == 0 {
            #expect(merged.code(of: value) == oneByOne.code(of: value))
        }
        #expect(merged.code(of: "new after the merge") == UInt32(oneByOne.count))
        var empty = TextDictionary()
        #expect(empty.merge(TextDictionary()) == [])
    }

    /// `truncate` (a response taken back out of a run's columns) leaves the dictionary as it was
    /// before the dropped values came: the kept ones found under their codes, a dropped one new again.
    @Test func truncatedValuesAreGoneAndTheRestFoundAsBefore() {
        let kept = (0..<300).map { $0 % 9 == 0 ? "a value long enough to be compared byte by byte \($0)" : "k\($0)" }
        let dropped = (0..<500).map { "d\($0)" }
        var d = Self.dictionary(kept + dropped)
        d.truncate(to: kept.count)
        #expect(d.strings == kept)
        for (code, value) in kept.enumerated() { #expect(d.code(of: value) == UInt32(code)) }
        #expect(d.code(of: dropped[7]) == UInt32(kept.count))
        #expect(d.count == kept.count + 1)
    }
}
