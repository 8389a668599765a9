import ColanCore
@testable import ColanStore
import Testing

/// The manifest every query reads: a store of many responses lists tens of thousands of sources,
/// parsed in slices on all cores; what comes back must be what was written, and a bad line must
/// be named as it was before (the first in line order).
@Suite struct ManifestTests {
    /// A manifest of `sources` sources (totals with every escaped byte among them) and two segments.
    static func manifest(sources: Int) -> Manifest {
        var m = Manifest()
        m.nextSegment = 3
        m.nextSource = sources + 1
        m.segments = [
            SegmentEntry(name: "seg-000001.colan", rows: 40, kind: "viewershipAnalytics", cuboid: "viewershipAnalytics|HOURLY|UTC|channelId",
                         minTime: 1_700_000_000, maxTime: 1_700_086_400),
            SegmentEntry(name: "seg-000002.colan", rows: 3, kind: "generic", cuboid: "generic|NONE|UTC|", minTime: nil, maxTime: nil),
        ]
        m.sources = (1...max(sources, 1)).prefix(sources).map { i in
            SourceEntry(id: i, hash: "x3-\(String(i, radix: 16))", bytes: 3_000 + i, rows: 24, kind: "viewershipAnalytics",
                        path: "json/ch\(i % 40)_day \(i)%.json",
                        totals: i % 7 == 0 ? [:] : ["totalSessions": String(i), "avgSessionDuration": "16.87",
                                                    "note": "a&b=c%d\te\(i)", "colan.scope": "2024-01-01..2024-01-01 UTC channelId=ch\(i % 40)"])
        }
        return m
    }

    @Test(arguments: [0, 10, 5_000])
    func whatIsWrittenIsReadBack(sources: Int) throws {
        let m = Self.manifest(sources: sources)
        #expect(try Manifest.parse(m.serialize(), path: "manifest") == m)
    }

    /// A source's id, size and rows are written as their decimal text (written digit by digit,
    /// not through String) and read back: every number of digits, 0 and the largest.
    @Test func numbersAreWrittenAsTheirDecimalText() throws {
        var m = Manifest()
        let values = [0, 1, 9, 10, 99, 100, 101, 999, 1_000, 65_535, 1_000_000_007, 10_000_000_000_000_000, Int.max]
        m.nextSource = values.count + 1
        m.sources = values.indices.map { i in
            SourceEntry(id: i + 1, hash: "h", bytes: values[i], rows: values[values.count - 1 - i], kind: "generic", path: "p", totals: [:])
        }
        let lines = String(decoding: m.serialize(), as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("source\t") }
        #expect(lines.map { $0.split(separator: "\t").dropFirst(3).prefix(2).joined(separator: " ") }
            == values.indices.map { "\(values[$0]) \(values[values.count - 1 - $0])" })
        #expect(try Manifest.parse(m.serialize(), path: "manifest") == m)
    }

    /// Each source line lists its totals sorted by key, also when a source has as many totals as
    /// the one before it but other keys (the keys of the one before are tried first).
    @Test(arguments: [12, 5_000])
    func totalsAreWrittenInKeyOrder(sources: Int) throws {
        var m = Manifest()
        m.nextSource = sources + 1
        let keySets = [["b", "a", "c"], ["a", "b", "d"], ["a", "b", "d"], [], ["c", "b", "a"], ["z", "y"], ["a", "b", "c"]]
        m.sources = (1...sources).map { i in
            let keys = keySets[i % keySets.count]
            return SourceEntry(id: i, hash: "h\(i)", bytes: i, rows: 1, kind: "generic", path: "p\(i)",
                               totals: Dictionary(uniqueKeysWithValues: keys.map { ($0, "\($0)\(i)") }))
        }
        let text = String(decoding: m.serialize(), as: UTF8.self)
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("source\t") }
        #expect(lines.count == sources)
        for (i, line) in lines.enumerated() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            let keys = fields.last!.split(separator: "&").map { String($0.split(separator: "=")[0]) }
            #expect(keys == keySets[(i + 1) % keySets.count].sorted(), "source \(i + 1)")
        }
        #expect(try Manifest.parse(m.serialize(), path: "manifest") == m)
    }

    @Test func theFirstBadLineIsNamedWhereverItLies() throws {
        let m = Self.manifest(sources: 5_000)
        var lines = String(decoding: m.serialize(), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Lines: header, next, 2 segments, then sources from line 5. Two bad source lines in different
        // slices: the earlier one is named.
        lines[3_999] = "source\t12\tx3-c\tnot-a-number\t24\tviewershipAnalytics\tp\t"
        lines[1_200] = "source\t7"
        func message(_ lines: [String]) -> String {
            do {
                _ = try Manifest.parse(Array(lines.joined(separator: "\n").utf8), path: "manifest")
                return "parsed"
            } catch { return "\(error)" }
        }
        #expect(message(lines).contains("line 1201"), "\(message(lines))")
        // A bad segment line after the sources, before the first bad source line: named first.
        var later = lines
        later.insert("segment\tx/y\t1\tgeneric\tc\t-\t-", at: 1_000)
        #expect(message(later).contains("line 1001") && message(later).contains("bad 'segment' record"), "\(message(later))")
        // An unknown record, a kind colan does not know, bytes that are not UTF-8.
        var unknown = Array(lines.prefix(1_100))
        unknown[600] = "sauce\t1"
        #expect(message(unknown).contains("line 601") && message(unknown).contains("unknown record 'sauce'"), "\(message(unknown))")
        var kind = Array(lines.prefix(1_100))
        kind[700] = kind[700].replacingOccurrences(of: "viewershipAnalytics", with: "viewershipAnalytix")
        #expect(message(kind).contains("line 701"), "\(message(kind))")
        #expect(throws: ColanError.self) { try Manifest.parse(Array("colan-store\t1\nsource\t1\t\u{FF}".utf8) + [0xFF, 0xFE], path: "manifest") }
    }

    @Test func recordsInAnotherOrderAreReadAsBefore() throws {
        // Sources before the segments and the next record: read as when they come first.
        let m = Self.manifest(sources: 4_500)
        let lines = String(decoding: m.serialize(), as: UTF8.self).split(separator: "\n").map(String.init)
        let reordered = [lines[0]] + lines[4...] + lines[1..<4]
        #expect(try Manifest.parse(Array((reordered.joined(separator: "\n") + "\n").utf8), path: "manifest") == m)
    }
}
