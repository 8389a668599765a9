@testable import ColanColumns
import ColanCore
import Testing

/// The commit's kernels. The segment sort of rows out of time order (`KeyRadixSortKernel`, keys
/// made with `Divisor`) must give the order a stable comparison sort gives, for every key width
/// (one to four passes), and the divisor must divide as `/` and `%` do; the manifest's escape
/// check must find every byte it escapes.
@Suite struct CommitKernelTests {
    @Test(arguments: [(0, 1), (1, 1), (2, 2), (1_000, 3), (5_000, 2_048), (5_000, 2_049), (100_000, 1 << 22), (20_000, 1 << 32)])
    func theOrderIsAStableSortByKey(rows: Int, buckets: Int) {
        var rng = SeededRandom(seed: UInt64(rows * 31 + buckets % 1_000))
        // Few distinct keys (ties keep row order) and keys up to the largest allowed.
        let distinct = UInt64(max(1, min(buckets, rows / 3 + 1)))
        let spread = UInt64(buckets) / distinct
        let key = (0..<rows).map { _ in UInt32(truncatingIfNeeded: (rng.next() % distinct) * spread + (spread - 1)) }
        #expect(key.allSatisfy { Int($0) < buckets })
        let expected = key.indices.sorted { key[$0] != key[$1] ? key[$0] < key[$1] : $0 < $1 }
        #expect(KeyRadixSortKernel.order(key, buckets: buckets) == expected)
    }

    @Test func theDivisorDividesAsDivisionDoes() {
        var rng = SeededRandom(seed: 7)
        let divisors: [UInt32] = [1, 2, 3, 7, 60, 3_600, 86_400, 604_800, 1 << 31, UInt32.max - 1, UInt32.max]
            + (0..<50).map { _ in UInt32(truncatingIfNeeded: rng.next() % UInt64(UInt32.max)) + 1 }
        for d in divisors {
            let divisor = Table.Divisor(d)
            for x in [0, 1, d - 1, d, d &+ 1, UInt32.max, UInt32.max - 1] + (0..<200).map({ _ in UInt32(truncatingIfNeeded: rng.next()) }) {
                #expect(divisor.quotient(x) == x / d && divisor.remainder(x) == x % d, "\(x) / \(d)")
            }
        }
    }

    /// A rising dictionary's check of a new value against the last (`Words.isAfter(sameLength:)`)
    /// orders two values of one length, 8 to 32 bytes, as their bytes do: values alike up to any
    /// byte (in a part two words overlap, or not) and unlike after it, and equal ones.
    @Test func wordsOrderValuesOfOneLengthAsTheirBytes() {
        var rng = SeededRandom(seed: 11)
        for length in 8...32 {
            for _ in 0..<300 {
                let x = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next() % 4 + 48) }
                // Alike up to a random byte, random after it (equal, now and then).
                var y = x
                if rng.next() % 8 != 0 {
                    for i in Int(rng.next() % UInt64(length))..<length { y[i] = UInt8(truncatingIfNeeded: rng.next() % 4 + 48) }
                }
                let words = (x.withUnsafeBytes(ByteWordsKernel.Words.init), y.withUnsafeBytes(ByteWordsKernel.Words.init))
                #expect(words.0.isAfter(sameLength: words.1) == y.lexicographicallyPrecedes(x), "\(x) \(y)")
            }
        }
    }

    /// The manifest's escape check (16 bytes at a time, then byte by byte) finds each escaped
    /// byte wherever it lies, in values of every length up to three vectors, and nothing else.
    @Test func everyEscapedByteIsFoundWhereverItLies() {
        let plain = Array("colan.scope=2024-01-01..2024-01-31 UTC channelId=ch01/".utf8).filter { ![37, 38, 61].contains($0) }
        for length in 0...48 {
            let value = (0..<length).map { plain[$0 % plain.count] }
            #expect(!value.withUnsafeBytes(ByteWordsKernel.mayHoldManifestEscapes), "\(length)")
            for position in 0..<length {
                for special: UInt8 in [9, 10, 13, 37, 38, 61] {
                    var marked = value
                    marked[position] = special
                    #expect(marked.withUnsafeBytes(ByteWordsKernel.mayHoldManifestEscapes), "\(special) at \(position) of \(length)")
                }
            }
        }
    }
}
