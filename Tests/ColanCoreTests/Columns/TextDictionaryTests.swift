@testable import ColanColumns
import ColanCore
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

    /// Any mix of additions, merges and truncations gives the codes an insertion-ordered map
    /// gives, whether the values rise (no table kept: time labels) or not, and across the change
    /// from one to the other: rising values, repeats, an earlier value, merges of rising
    /// dictionaries after this one's last value (appended whole) or overlapping it.
    @Test(arguments: 0..<8)
    func codesAreThoseOfInsertionOrderRisingOrNot(seed: Int) {
        var rng = SeededRandom(seed: UInt64(seed) &* 7_919 &+ 1)
        var d = TextDictionary()
        var model: [String] = []
        var next = 0
        /// A label after every one made before (the zero-padded counter sorts as it counts).
        func rising() -> String {
            next += 1 + Int(rng.next() % 3)
            let n = String(next)
            return "2024-01-01 " + String(repeating: "0", count: 8 - n.count) + n + (next % 11 == 0 ? " and a tail past thirty-two bytes" : "")
        }
        func check(_ value: String, _ code: UInt32?) {
            let expected = model.firstIndex(of: value) ?? model.count
            if expected == model.count { model.append(value) }
            #expect(code == UInt32(expected), "\(value)")
        }
        for _ in 0..<400 {
            switch rng.next() % 20 {
            case 0..<12:
                let value = rising()
                check(value, d.code(of: value))
            case 12..<15:
                if let value = model.randomElement(using: &rng) { check(value, d.code(of: value)) }
            case 15:
                let value = "0-before-every-label-\(rng.next() % 50)"
                check(value, d.code(of: value))
            case 16:
                let keep = model.isEmpty ? 0 : Int(rng.next() % UInt64(model.count + 1))
                d.truncate(to: keep)
                model.removeSubrange(keep...)
            default:
                // Another dictionary's values: rising after this one's (or overlapping it).
                var other = TextDictionary()
                var values = (0..<Int(rng.next() % 40)).map { _ in rising() }
                if rng.next() % 3 == 0, let old = model.randomElement(using: &rng) { values.insert(old, at: 0) }
                for v in values { _ = other.code(of: v) }
                var unique: [String] = []
                for v in values where !unique.contains(v) { unique.append(v) }
                let codes = d.merge(other)
                #expect(codes.count == unique.count)
                for (k, v) in unique.enumerated() { check(v, k < codes.count ? codes[k] : nil) }
            }
            #expect(d.count == model.count)
        }
        #expect(d.strings == model)
        for (code, value) in model.enumerated() { #expect(d.code(of: value) == UInt32(code)) }
    }
}
