import ColanCore
import Foundation
import Testing

@Suite struct SegmentRoundTripTests {
    func roundTrip(_ table: Table, rowGroupSize: Int = 512) throws -> Table {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.colan").path
        try SegmentWriter.write(table, to: path, rowGroupSize: rowGroupSize)
        return try SegmentReader(path: path).readTable()
    }

    @Test(arguments: [0, 1, 2, 255, 256, 257, 511, 512, 513, 3000])
    func randomTablesRoundTripBitExactly(rows: Int) throws {
        for pattern in RandomTables.NullPattern.allCases {
            let table = RandomTables.make(rows: rows, seed: UInt64(rows * 3 + 1), nulls: pattern)
            let back = try roundTrip(table)
            #expect(tablesMatch(table, back) == nil, "rows \(rows), nulls \(pattern): \(tablesMatch(table, back) ?? "")")
        }
    }

    @Test func manySeedsRoundTrip() throws {
        for seed in 0..<20 as Range<UInt64> {
            let table = RandomTables.make(rows: 700, seed: seed * 7919)
            let back = try roundTrip(table, rowGroupSize: 256)
            #expect(tablesMatch(table, back) == nil, "seed \(seed)")
        }
    }

    @Test func emptyTableWithoutColumnsRoundTrips() throws {
        let table = Table(schema: Schema([]), columns: [])
        let back = try roundTrip(table)
        #expect(back.rowCount == 0 && back.schema.columns.isEmpty)
    }

    @Test func everyBitWidthRoundTrips() throws {
        // One block per width 0...64: values spanning exactly 2^w - 1 above a base.
        var values: [Int64] = []
        for w in 0...64 {
            let span: UInt64 = w == 64 ? .max : (w == 0 ? 0 : (1 << UInt64(w)) - 1)
            let base: Int64 = w == 64 ? .min : -12345
            for i in 0..<256 {
                let offset = i == 255 ? span : (span / 256) * UInt64(i)
                values.append(Int64(bitPattern: UInt64(bitPattern: base) &+ offset))
            }
        }
        let table = Table(schema: Schema([ColumnSchema("v", .int64, .metric(.additive))]), columns: [ColumnData(.int64(values))])
        let back = try roundTrip(table, rowGroupSize: 65 * 256)
        #expect(tablesMatch(table, back) == nil)
    }

    @Test func sortedTimestampsUseDeltaOrRunLengthAndKeepStatistics() throws {
        let times = (0..<4096).map { Int64(1_700_000_000 + ($0 / 40) * 3600) }
        let table = Table(schema: Schema([ColumnSchema("time", .timestamp, .time)]), columns: [ColumnData(.int64(times))])
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.colan").path
        try SegmentWriter.write(table, to: path, rowGroupSize: 2048)
        let reader = try SegmentReader(path: path)
        let chunk = reader.footer.rowGroups[1].chunks[0]
        #expect(chunk.encodingDescription.hasPrefix("rle") || chunk.encodingDescription.hasPrefix("delta"))
        #expect(chunk.length < 200)
        #expect(chunk.statistics == .int(min: times[2048], max: times[4095]))
        #expect(!chunk.usesZstd)
    }

    @Test func lowCardinalityStringsAreDictionaryEncodedWithSortedDictionary() throws {
        let devices = ["Roku", "Desktop", "Tablet"]
        let values = (0..<1000).map { devices[$0 % 3] }
        let table = Table(schema: Schema([ColumnSchema("deviceType", .string, .dimension)]), columns: [ColumnData(.string(values))])
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.colan").path
        try SegmentWriter.write(table, to: path)
        let reader = try SegmentReader(path: path)
        let vector = try reader.read(column: 0, rowGroup: 0)
        guard case .string(let dictionary, let codes) = vector.values else { Issue.record("not strings"); return }
        #expect(dictionary == ["Desktop", "Roku", "Tablet"])
        #expect(codes.pointer[0] == 1 && codes.pointer[1] == 0)
        #expect(reader.footer.rowGroups[0].chunks[0].statistics == .string(min: "Desktop", max: "Tablet"))
    }

    @Test func dictionaryColumnsKeepExactStatisticsAndRawSizesPerChunk() throws {
        // A dictionary in no particular order, with entries no row uses and non-ASCII text, nulls
        // in some rows: each chunk's min/max (UTF-8 order, valid rows only) and raw size must be
        // those of its own rows, though the writer ranks the dictionary once for all chunks.
        let dictionary = ["Roku", "Äpple TV", "Desktop", "unused", "Tablet", "Zune", "", "Amazon Fire"]
        var state: UInt64 = 7
        let codes = (0..<1500).map { _ -> UInt32 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return [0, 1, 2, 4, 5, 6, 7][Int(state >> 33) % 7]
        }
        let validity = codes.indices.map { $0 % 11 != 0 && !($0 >= 512 && $0 < 768 && codes[$0] == 5) }
        let table = Table(schema: Schema([ColumnSchema("deviceType", .string, .dimension)]),
                          columns: [ColumnData(.dictionary(dictionary: dictionary, codes: codes), validity: validity)])
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.colan").path
        try SegmentWriter.write(table, to: path, rowGroupSize: 256)
        let reader = try SegmentReader(path: path)
        for (g, group) in reader.footer.rowGroups.enumerated() {
            let rows = (g * 256)..<min((g + 1) * 256, codes.count)
            let values = rows.filter { validity[$0] }.map { dictionary[Int(codes[$0])] }
            let low = values.min { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let high = values.max { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            #expect(group.chunks[0].statistics == .string(min: low ?? "", max: high ?? ""), "row group \(g)")
            #expect(group.chunks[0].rawSize == rows.reduce(0) { $0 + 4 + dictionary[Int(codes[$1])].utf8.count }, "row group \(g)")
        }
        #expect(tablesMatch(table, try reader.readTable()) == nil)
    }

    @Test func chunksFindTheirValuesTheSameWayBesideSmallAndLargeDictionaries() throws {
        // A chunk's distinct values are found by marking codes and walking the dictionary in UTF-8
        // order when the dictionary is small beside the chunk, by a scan and a sort when it is large:
        // the same rows must make the same segment, byte for byte, and read back the same.
        let used = ["Roku", "Äpple TV", "Desktop", "Tablet", "Zune", "", "Amazon Fire"]
        let unused = (0..<5000).map { "unused-\($0)" }
        var state: UInt64 = 11
        let picks = (0..<3000).map { _ -> Int in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % used.count
        }
        func table(_ dictionary: [String]) -> Table {
            let codes = picks.map { UInt32(dictionary.firstIndex(of: used[$0])!) }
            return Table(schema: Schema([ColumnSchema("deviceType", .string, .dimension)]),
                         columns: [ColumnData(.dictionary(dictionary: dictionary, codes: codes))])
        }
        let small = table(used.reversed()), large = table(unused.prefix(2500) + used + unused.suffix(2500))
        let smallBytes = SegmentWriter.encode(small, rowGroupSize: 512), largeBytes = SegmentWriter.encode(large, rowGroupSize: 512)
        #expect(smallBytes == largeBytes)
        #expect(tablesMatch(small, try roundTrip(small)) == nil)
    }

    @Test func decodedBuffersAreCacheLineAligned() throws {
        let table = RandomTables.make(rows: 300, seed: 3)
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.colan").path
        try SegmentWriter.write(table, to: path)
        let vector = try SegmentReader(path: path).read(column: "small", rowGroup: 0)
        guard case .int64(let buffer) = vector.values else { Issue.record("not ints"); return }
        #expect(Int(bitPattern: buffer.pointer) % 64 == 0)
    }
}
