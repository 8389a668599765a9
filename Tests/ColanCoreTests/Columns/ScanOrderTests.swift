import ColanCore
import Testing

@Suite struct ScanOrderTests {
    /// A table of (time, channelId, deviceType, sessions) rows; nil is a null channel.
    func table(_ rows: [(Int64, String?, String, Int64)]) -> Table {
        let channels = Array(Set(rows.compactMap(\.1))).sorted().reversed().map { $0 }  // dictionary not in string order
        let devices = Array(Set(rows.map(\.2))).sorted().reversed().map { $0 }
        let hasNull = rows.contains { $0.1 == nil }
        return Table(schema: Schema([
            ColumnSchema("time", .timestamp, .time),
            ColumnSchema("channelId", .string, .dimension),
            ColumnSchema("deviceType", .string, .dimension),
            ColumnSchema("numberOfSession", .int64, .metric(.additive)),
        ]), columns: [
            ColumnData(.int64(rows.map(\.0))),
            ColumnData(.dictionary(dictionary: channels, codes: rows.map { UInt32(channels.firstIndex(of: $0.1 ?? channels[0])!) }),
                       validity: hasNull ? rows.map { $0.1 != nil } : nil),
            ColumnData(.dictionary(dictionary: devices, codes: rows.map { UInt32(devices.firstIndex(of: $0.2)!) })),
            ColumnData(.int64(rows.map(\.3))),
        ])
    }

    func rows(_ t: Table) -> [String] {
        guard case .int64(let times) = t.columns[0].values, case .dictionary(let cd, let cc) = t.columns[1].values,
              case .dictionary(let dd, let dc) = t.columns[2].values, case .int64(let s) = t.columns[3].values else { return [] }
        return (0..<t.rowCount).map { i in
            let channel = t.columns[1].validity?[i] == false ? "null" : cd[Int(cc[i])]
            return "\(times[i]) \(channel) \(dd[Int(dc[i])]) \(s[i])"
        }
    }

    @Test func rowsSortByTimeThenTheDimensionWithFewestValuesFirst() {
        // deviceType has 2 values, channelId 3: within an instant, devices lead.
        let t = table([
            (7200, "c", "Roku", 1), (3600, "b", "TV", 2), (3600, "a", "TV", 3), (3600, "c", "Roku", 4),
            (3600, nil, "Roku", 5), (3600, "a", "Roku", 6), (3600, "a", "Roku", 7), (0, "b", "TV", 8),
        ])
        #expect(rows(t.inScanOrder()) == [
            "0 b TV 8",
            "3600 a Roku 6", "3600 a Roku 7", "3600 c Roku 4", "3600 null Roku 5",
            "3600 a TV 3", "3600 b TV 2",
            "7200 c Roku 1",
        ])
    }

    @Test func sortedTablesComeBackUnchangedAndUnsortedTimesAreSortedToo() {
        // Both dimensions have 2 values: the tie goes by name, channelId first.
        let sorted = table([(0, "a", "Roku", 1), (0, "a", "TV", 2), (0, "b", "Roku", 3), (60, "a", "Roku", 4)])
        #expect(sorted.inScanOrder() == sorted)
        // Times out of order (a breakdown CSV listed by channel): the general path.
        let byChannel = table([(60, "a", "TV", 1), (0, "a", "TV", 2), (60, "b", "Roku", 3), (0, "b", "TV", 4), (0, "b", "Roku", 5)])
        #expect(rows(byChannel.inScanOrder()) == ["0 a TV 2", "0 b Roku 5", "0 b TV 4", "60 a TV 1", "60 b Roku 3"])
        // Times days apart (two 16-bit digits of their offset) and centuries apart (ranked instead).
        for day in [Int64(65_535), 5_000_000_000] {  // 65,535 + 1: the low digit wraps to 0
            let spread = table([(2 * day, "a", "TV", 1), (0, "b", "TV", 2), (day + 1, "a", "TV", 3), (day, "b", "TV", 4), (day, "a", "TV", 5)])
            #expect(rows(spread.inScanOrder()) == ["0 b TV 2", "\(day) a TV 5", "\(day) b TV 4", "\(day + 1) a TV 3", "\(2 * day) a TV 1"])
        }
        // Every row at its own instant (one series): in order, whatever its dimensions; one
        // repeated instant brings the dimensions back in.
        #expect(table([(0, "b", "TV", 1), (60, "a", "Roku", 2), (120, "b", "Roku", 3)]).scanOrder() == nil)
        #expect(rows(table([(0, "b", "TV", 1), (60, "b", "TV", 2), (60, "a", "TV", 3)]).inScanOrder()) == ["0 b TV 1", "60 a TV 3", "60 b TV 2"])
    }

    @Test(arguments: [(5, 300), (200, 1_500)])
    func sortedTimesAreSortedRunByRunOnKeysWiderThanAByte(instants: Int, rowsPerInstant: Int) {
        // Times in order, two dimensions of 20 values each (a composite key of 441 values: two
        // byte passes per run), rows shuffled within each instant: the result must equal a
        // stable sort by (time, first dimension, second dimension). 300,000 rows are sorted in
        // slices of whole runs on all cores, each slice writing its part of one order.
        let a = (0..<20).map { "a\(100 + $0)" }, b = (0..<20).map { "b\(100 + $0)" }
        var state: UInt64 = 42
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % bound
        }
        var rows: [(time: Int64, a: Int, b: Int, n: Int64)] = []
        for t in 0..<instants { for _ in 0..<rowsPerInstant { rows.append((Int64(t * 3600), next(20), next(20), Int64(rows.count))) } }
        func table(_ rows: [(time: Int64, a: Int, b: Int, n: Int64)]) -> Table {
            Table(schema: Schema([
                ColumnSchema("time", .timestamp, .time), ColumnSchema("first", .string, .dimension),
                ColumnSchema("second", .string, .dimension), ColumnSchema("numberOfSession", .int64, .metric(.additive)),
            ]), columns: [
                ColumnData(.int64(rows.map(\.time))), ColumnData(.dictionary(dictionary: a, codes: rows.map { UInt32($0.a) })),
                ColumnData(.dictionary(dictionary: b, codes: rows.map { UInt32($0.b) })), ColumnData(.int64(rows.map(\.n))),
            ])
        }
        // Both dimensions have 20 values: the tie goes by name, "first" leads.
        let expected = rows.enumerated().sorted { x, y in
            (x.element.time, x.element.a, x.element.b, x.offset) < (y.element.time, y.element.a, y.element.b, y.offset)
        }.map(\.element)
        #expect(table(rows).inScanOrder() == table(expected))
    }

    @Test(arguments: [Int64(3_600), 86_400, 60, 7])
    func timesOutOfOrderOnACommonStepSortInOnePass(step: Int64) {
        // Channel by channel (a folder of responses joined as they came), each channel's instants in
        // order, with nulls and repeated keys: the result must equal a stable sort by time, then
        // device (2 values) and channel (3 values and null: more, so second) in UTF-8 order, nulls last.
        var rng = SeededRandom(seed: UInt64(step))
        var input: [(Int64, String?, String, Int64)] = []
        for channel in ["c", "a", nil, "b"] as [String?] {
            for slot in 0..<Int64(60) where rng.next() % 3 != 0 {
                for device in ["TV", "Roku"] where rng.next() % 2 == 0 {
                    input.append((1_700_000_000 + slot * step, channel, device, Int64(input.count)))
                }
            }
        }
        let expected = input.enumerated().sorted { x, y in
            let (a, b) = (x.element, y.element)
            if a.0 != b.0 { return a.0 < b.0 }
            if a.2 != b.2 { return a.2 < b.2 }
            if a.1 != b.1 { return b.1 == nil || (a.1 != nil && a.1! < b.1!) }
            return x.offset < y.offset
        }.map { "\($0.element.0) \($0.element.1 ?? "null") \($0.element.2) \($0.element.3)" }
        #expect(rows(table(input).inScanOrder()) == expected)
    }

    @Test func largeKeySpacesSortOneDimensionAtATime() {
        // Dictionaries far larger than the table (values of a merged segment that this
        // table does not use): the composite key would need more buckets than rows,
        // so the sort falls back to a pass per dimension, with the same order.
        let channels = (0..<700).map { "c\(1000 + $0)" }, devices = (0..<600).map { "d\(1000 + $0)" }
        let picks: [(Int64, Int, Int)] = [(60, 5, 9), (0, 699, 0), (0, 5, 599), (0, 5, 3), (60, 0, 9), (0, 699, 3)]
        let t = Table(schema: Schema([
            ColumnSchema("time", .timestamp, .time),
            ColumnSchema("channelId", .string, .dimension),
            ColumnSchema("deviceType", .string, .dimension),
        ]), columns: [
            ColumnData(.int64(picks.map(\.0))),
            ColumnData(.dictionary(dictionary: channels, codes: picks.map { UInt32($0.1) })),
            ColumnData(.dictionary(dictionary: devices, codes: picks.map { UInt32($0.2) })),
        ])
        let sorted = t.inScanOrder()
        guard case .dictionary(_, let c) = sorted.columns[1].values, case .dictionary(_, let d) = sorted.columns[2].values,
              case .int64(let times) = sorted.columns[0].values else { Issue.record("columns changed type"); return }
        // channelId has 3 distinct values, deviceType 4: channels lead.
        #expect(zip(times, zip(c, d)).map { "\($0) \(channels[Int($1.0)]) \(devices[Int($1.1)])" } == [
            "0 c1005 d1003", "0 c1005 d1599", "0 c1699 d1000", "0 c1699 d1003", "60 c1000 d1009", "60 c1005 d1009",
        ])
    }

    @Test func segmentSizedTablesAreCheckedInSlicesWithoutMissingABoundary() {
        // Large enough for the parallel check (16 slices); one pair of rows swapped exactly
        // where a slice starts, then one swapped inside a slice: both must be found and sorted.
        let n = 300_000
        func row(_ i: Int) -> (Int64, String?, String, Int64) {
            let channels = ["a", "b"], devices = ["Roku", "TV"]
            return (Int64(i / 4 * 60), channels[i % 4 / 2], devices[i % 2], Int64(i))
        }
        let sorted = table((0..<n).map(row))
        #expect(sorted.inScanOrder() == sorted)
        for swapped in [n / 16, n / 16 * 5 + 3] {
            var rows = (0..<n).map(row)
            rows.swapAt(swapped - 1, swapped)
            #expect(table(rows).inScanOrder() == sorted, "swapped rows \(swapped - 1) and \(swapped)")
        }
    }

    /// Reports are sorted in place, run by run (rows only move within their instant): every
    /// kind of column (and its nulls) must come out as the order says, on one core and on
    /// all, and a copy of the table taken before must not change (its arrays are shared).
    @Test func sortingInPlaceMovesEveryKindOfColumnAndLeavesCopiesAlone() throws {
        for n in [1_000, 300_000] {
            var rng = SeededRandom(seed: UInt64(n))
            let devices = ["TV", "Roku", "Mobile", "Web"]
            let codes = (0..<n).map { _ in UInt32(rng.next() % 4) }
            let valid = (0..<n).map { _ in rng.next() % 5 != 0 }
            let t = Table(schema: Schema([
                ColumnSchema("time", .timestamp, .time),
                ColumnSchema("deviceType", .string, .dimension),
                ColumnSchema("numberOfSession", .int64, .metric(.additive)),
                ColumnSchema("ratio", .float64, .attribute),
                ColumnSchema("live", .bool, .attribute),
                ColumnSchema("note", .string, .attribute),
            ]), columns: [
                ColumnData(.int64((0..<n).map { Int64($0 / 97 * 3600) })),
                ColumnData(.dictionary(dictionary: devices, codes: codes), validity: valid),
                ColumnData(.int64((0..<n).map(Int64.init))),
                ColumnData(.float64((0..<n).map { Double($0) / 2 })),
                ColumnData(.bool((0..<n).map { $0 % 3 == 0 })),
                ColumnData(.string((0..<n).map { "n\($0)" }), validity: (0..<n).map { $0 % 7 != 0 }),
            ])
            let original = t
            let order = try #require(t.scanOrder())
            var expected = t
            expected.columns = t.columns.map { column in
                let values: ColumnValues
                switch column.values {
                case .int64(let v): values = .int64(order.map { v[$0] })
                case .float64(let v): values = .float64(order.map { v[$0] })
                case .bool(let v): values = .bool(order.map { v[$0] })
                case .string(let v): values = .string(order.map { v[$0] })
                case .dictionary(let d, let c): values = .dictionary(dictionary: d, codes: order.map { c[$0] })
                }
                return ColumnData(values, validity: column.validity.map { v in order.map { v[$0] } })
            }
            var sorted = t
            sorted.sortIntoScanOrder()
            #expect(sorted == expected, "\(n) rows")
            #expect(t == original && t != sorted, "\(n) rows")
            #expect(sorted.scanOrder() == nil)
        }
    }

    @Test func theGeneratorCanProduceRowsAlreadyInScanOrder() {
        // 4,000 rows an hour: every device, name and channel appears in every hour, so sorting hour by
        // hour gives the whole table's order, and the store only has to check it.
        let generator = ReportGenerator(GeneratorOptions(rows: 192_000, seed: 7, days: 2, channels: 40))
        let table = generator.table(scanOrder: true)
        #expect(table.scanOrder() == nil)
        #expect(table.rowCount == 192_000)
        #expect(generator.table().scanOrder() != nil)
    }
}

