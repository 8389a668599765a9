import Dispatch
import Foundation
import Testing
import ColanCore
@testable import ColanStore
@testable import ColanImport

/// `colan import` writes segments while later files are still parsed: reports are joined into a
/// segment as they come (`SegmentBatch`), in file order (`InOrder`), and a report that may replace
/// rows stops the streaming (`StoreImport`). Small segment sizes make every path happen with a few rows.
@Suite struct StreamingImportTests {
    func parsedCSV(_ name: String, _ csv: String) throws -> IncomingFile {
        var options = ImportOptions()
        options.zone = "UTC"
        let bytes = Array(csv.utf8)
        let reports = try bytes.withUnsafeBytes { try ReportImporter.importBytes($0, path: name, options: options) }
        return IncomingFile(path: name, hash: bytes.withUnsafeBytes { contentHash($0) }, bytes: bytes.count, reports: reports)
    }

    func incoming(_ table: Table, source: Int64) -> IncomingReport {
        var item = IncomingReport(cuboid: "c", kind: "k", dims: [], table: table, file: "f\(source)", fixed: [:])
        item.source = source
        return item
    }

    func table(_ rows: Int, seed: Int, nulls: Bool, extra: Bool = false) -> Table {
        var columns: [ColumnSchema] = [ColumnSchema("time", .timestamp, .time), ColumnSchema("deviceType", .string, .dimension),
                                       ColumnSchema("label", .string, .attribute), ColumnSchema("share", .float64, .attribute),
                                       ColumnSchema("flag", .bool, .attribute)]
        var data: [ColumnData] = [
            ColumnData(.int64((0..<rows).map { Int64(seed * 1_000 + $0) })),
            ColumnData(.dictionary(dictionary: ["Roku", "TV\(seed)", "Web"], codes: (0..<rows).map { UInt32(($0 + seed) % 3) }),
                       validity: nulls ? (0..<rows).map { $0 % 4 != 1 } : nil),
            ColumnData(.string((0..<rows).map { "s\(($0 * seed) % 5)" })),
            ColumnData(.float64((0..<rows).map { Double($0) / 8 + Double(seed) })),
            ColumnData(.bool((0..<rows).map { ($0 + seed) % 2 == 0 })),
        ]
        if extra {
            columns.append(ColumnSchema("numberOfSession", .int64, .metric(.additive)))
            data.append(ColumnData(.int64((0..<rows).map { Int64($0 * seed) })))
        }
        return Table(schema: Schema(columns), columns: data)
    }

    /// What the store wrote before batches were joined as they came: the reports concatenated, then each row's source.
    func expected(_ tables: [Table], sources: [Int64]) throws -> Table {
        var joined = try Table.concatenate(tables, metadata: [:])
        joined.schema.columns.append(ColumnSchema("_source", .int64, .attribute))
        var ids: [Int64] = []
        for (t, s) in zip(tables, sources) { ids += Array(repeating: s, count: t.rowCount) }
        joined.columns.append(ColumnData(.int64(ids)))
        return joined
    }

    @Test func joinedReportsEqualTheirConcatenationSegmentAfterSegment() throws {
        var batch = SegmentBatch(segmentRows: 64)
        // Three segments through one batch: the second and third reuse the first's emptied arrays,
        // which must hold nothing of it; the third meets a report with another column.
        let segments: [[Table]] = [
            [table(5, seed: 1, nulls: false), table(7, seed: 2, nulls: true), table(3, seed: 3, nulls: false)],
            [table(9, seed: 4, nulls: false), table(2, seed: 5, nulls: false)],
            [table(4, seed: 6, nulls: true), table(6, seed: 7, nulls: false, extra: true), table(1, seed: 8, nulls: false)],
        ]
        var source: Int64 = 0
        for tables in segments {
            var sources: [Int64] = []
            for t in tables {
                source += 1
                sources.append(source)
                batch.append(incoming(t, source: source))
            }
            #expect(batch.rowCount == tables.reduce(0) { $0 + $1.rowCount } && batch.reportCount == tables.count)
            let (joined, inScanOrder) = try batch.take()
            #expect(!inScanOrder)
            #expect(batch.isEmpty)
            #expect(joined == (try expected(tables, sources: sources)))
            batch.recycle(joined)
        }
        // A report alone is taken as it is (its plain string column stays one), with its source.
        let alone = table(3, seed: 9, nulls: true)
        var item = incoming(alone, source: 42)
        item.inScanOrder = true
        batch.append(item)
        let (single, inScanOrder) = try batch.take()
        #expect(inScanOrder)
        var withSource = alone
        withSource.schema.columns.append(ColumnSchema("_source", .int64, .attribute))
        withSource.columns.append(ColumnData(.int64([42, 42, 42])))
        #expect(single == withSource)
    }

    /// A report of one day: every (deviceType, channelId) pair at each of two hours, sorted into scan order.
    /// With `nullFirstDevice`, the first device type's rows have no deviceType (null).
    func day(_ day: Int64, devices: [String], channels: [String], nullFirstDevice: Bool = false) -> IncomingReport {
        var times: [Int64] = [], deviceCodes: [UInt32] = [], channelCodes: [UInt32] = []
        for hour in [Int64(0), 3_600] {
            for d in devices.indices.reversed() {
                for c in channels.indices {
                    times.append(day * 86_400 + hour)
                    deviceCodes.append(UInt32(d))
                    channelCodes.append(UInt32(c))
                }
            }
        }
        var table = Table(schema: Schema([ColumnSchema("time", .timestamp, .time), ColumnSchema("deviceType", .string, .dimension),
                                          ColumnSchema("channelId", .string, .dimension),
                                          ColumnSchema("numberOfSession", .int64, .metric(.additive))]),
                          columns: [ColumnData(.int64(times)),
                                    ColumnData(.dictionary(dictionary: devices, codes: deviceCodes),
                                               validity: nullFirstDevice ? deviceCodes.map { $0 != 0 } : nil),
                                    ColumnData(.dictionary(dictionary: channels, codes: channelCodes)),
                                    ColumnData(.int64(times.indices.map { Int64($0) }))])
        table.sortIntoScanOrder()
        var item = IncomingReport(cuboid: "c", kind: "k", dims: [], table: table, file: "d\(day)", fixed: [:])
        item.inScanOrder = true
        return item
    }

    /// Joined reports skip the segment's scan-order check only when it would pass: each report
    /// sorted by the dimensions the joined rows call for, and each after the one before in time.
    @Test func joinedRowsAreSaidInScanOrderOnlyWhenTheyAre() throws {
        func joined(_ items: [IncomingReport]) throws -> (Table, Bool) {
            var batch = SegmentBatch(segmentRows: 1_000)
            for item in items { batch.append(item) }
            return try batch.take()
        }
        // Days in order, each sorted by deviceType (2 values) then channelId (3), as the joined rows are.
        let (sameSort, sameSaid) = try joined([day(1, devices: ["A", "B"], channels: ["x", "y", "z"]),
                                               day(2, devices: ["B", "A"], channels: ["z", "x", "y"])])
        #expect(sameSaid)
        #expect(sameSort.scanOrder() == nil)
        // Each day has 2 device types and 3 channels, sorted by deviceType first; joined, 4 device types
        // call for channelId first, and the rows are out of scan order: they must be checked.
        let (otherSort, otherSaid) = try joined([day(1, devices: ["A", "B"], channels: ["x", "y", "z"]),
                                                 day(2, devices: ["C", "D"], channels: ["x", "y", "z"])])
        #expect(!otherSaid)
        #expect(otherSort.scanOrder() != nil)
        // The same day twice (two channels' reports, say): times meet, so the rows are checked.
        let (_, overlapSaid) = try joined([day(1, devices: ["A", "B"], channels: ["x", "y", "z"]),
                                           day(1, devices: ["A", "B"], channels: ["x", "y", "z"])])
        #expect(!overlapSaid)
        // Nulls count as one value: day 2's null and B make 2 device types (so each day sorts by
        // deviceType first), but joined, A, B and null make 3, tying with the channels: channelId first.
        let (nullSort, nullSaid) = try joined([day(1, devices: ["A", "B"], channels: ["x", "y", "z"]),
                                               day(2, devices: ["A", "B"], channels: ["x", "y", "z"], nullFirstDevice: true)])
        #expect(!nullSaid)
        #expect(nullSort.scanOrder() != nil)
        // A report not known to be sorted: checked.
        var unsorted = day(2, devices: ["A", "B"], channels: ["x", "y", "z"])
        unsorted.inScanOrder = false
        let (_, unsortedSaid) = try joined([day(1, devices: ["A", "B"], channels: ["x", "y", "z"]), unsorted])
        #expect(!unsortedSaid)
    }

    @Test func inOrderHandsValuesOverInIndexOrderOneAtATime() {
        let count = 7 * 430
        let seen = UncheckedSendable(Box([Int]()))
        let busy = UncheckedSendable(Box(false))
        let order = InOrder<Int>()
        // Later indices first in each block of 7, so most deliveries find a gap before them.
        DispatchQueue.concurrentPerform(iterations: count) { k in
            let i = (k / 7) * 7 + 6 - k % 7
            order.deliver(i, i) { value in
                #expect(!busy.value.value, "two consumers at once")
                busy.value.value = true
                seen.value.value.append(value)
                busy.value.value = false
            }
        }
        let seenInOrder = seen.value.value == Array(0..<count)
        #expect(seenInOrder)
    }

    @Test func segmentsAreWrittenAsFilesComeAndAnAbandonedImportLeavesNone() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Store(path: dir.path + "/store", create: true)
        let manifest = try String(contentsOfFile: store.path + "/manifest", encoding: .utf8)
        let days = try (1...4).map { d in
            try parsedCSV("d\(d).csv", "time,deviceType,numberOfSession\n2024-03-0\(d),Roku,\(d)\n2024-03-0\(d),TV,\(10 * d)\n2024-03-0\(d),Web,1\n")
        }
        func segmentFiles() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: store.path + "/segments")) ?? []).sorted() }
        let abandoned = try store.beginImport(segmentRows: 4)
        try abandoned.add(days[0])
        #expect(segmentFiles().isEmpty)
        try abandoned.add(days[1])  // 3 + 3 rows > 4: the first day is written
        #expect(segmentFiles().count == 1)
        abandoned.abandon()
        #expect(segmentFiles().isEmpty)
        #expect(try String(contentsOfFile: store.path + "/manifest", encoding: .utf8) == manifest)
        // Imported for real: one segment a day, the same answers as one big segment.
        let session = try store.beginImport(segmentRows: 4)
        for day in days { try session.add(day) }
        let outcome = try session.finish()
        #expect(outcome.rowsAdded == 12 && outcome.filesImported == 4 && outcome.reportsImported == 4 && outcome.rowsReplaced == 0)
        #expect(store.segments.count == 4 && segmentFiles().count == 4)
        let sizes = try segmentFiles().map { try FileManager.default.attributesOfItem(atPath: store.path + "/segments/" + $0)[.size] as? Int ?? 0 }
        #expect(outcome.bytesWritten == sizes.reduce(0, +))
        let whole = try Store(path: dir.path + "/whole", create: true)
        try commit(days, to: whole)
        #expect(whole.segments.count == 1)
        #expect(try sessions(store, by: ["deviceType"]) == (try sessions(whole, by: ["deviceType"])))
        let total: Int64 = 10 + 100 + 4  // Roku 1..4, TV 10..40, Web 1 a day
        #expect(try sessions(store) == [[.integer(total)]])
    }

    @Test func aLaterFileReplacingStreamedRowsRewritesTheirSegment() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Store(path: dir.path + "/store", create: true)
        let header = "time,deviceType,numberOfSession\n"
        let files = try [parsedCSV("d1.csv", header + "2024-03-01,Roku,5\n2024-03-01,TV,1\n"),
                         parsedCSV("d2.csv", header + "2024-03-02,Roku,6\n"),
                         // March 1 downloaded again, revised: every row of d1 is replaced.
                         parsedCSV("d1-revised.csv", header + "2024-03-01,Roku,9\n2024-03-01,TV,2\n")]
        let session = try store.beginImport(segmentRows: 4)
        for file in files { try session.add(file) }
        let outcome = try session.finish()
        #expect(outcome.rowsReplaced == 2 && outcome.rowsAdded == 3)
        #expect(outcome.shadowedFiles == ["d1.csv"])
        #expect(try sessions(store, by: ["deviceType"]) == [[.text("Roku"), .integer(6 + 9)], [.text("TV"), .integer(2)]])
        // Only listed segment files remain: d1 and d2's segment was replaced by one holding d2's row.
        let onDisk = Set(try FileManager.default.contentsOfDirectory(atPath: store.path + "/segments"))
        #expect(onDisk == Set(store.segments.map(\.name)))
        #expect(store.segments.map(\.rows) == [1, 2])
        let sizes = try onDisk.map { try FileManager.default.attributesOfItem(atPath: store.path + "/segments/" + $0)[.size] as? Int ?? 0 }
        #expect(outcome.bytesWritten == sizes.reduce(0, +))
        // Each row still names its file: verify checks every file's rows.
        let sources = try store.open(kind: nil).flatMap { segment -> [Int64] in
            let table = try segment.reader.readTable()
            guard let s = table.schema.index(of: "_source"), case .int64(let ids) = table.columns[s].values else { return [] }
            return ids
        }
        let ids = Dictionary(uniqueKeysWithValues: store.sources.map { ($0.path, Int64($0.id)) })
        #expect(sources == [ids["d2.csv"], ids["d1-revised.csv"], ids["d1-revised.csv"]].compactMap { $0 })
    }

    /// A re-download of many days (each replacing stored rows) is held a segment's worth at a time,
    /// then written; the commit takes the replaced rows out of earlier segments. It answers as when
    /// every file is held until the commit, with the same counts.
    @Test func filesReplacingStoredDaysAreWrittenAsTheyComeAndAnswerAsHeldWhole() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let header = "time,deviceType,numberOfSession\n"
        func day(_ name: String, _ d: Int, _ scale: Int) throws -> IncomingFile {
            try parsedCSV(name, header + "2024-03-0\(d),Roku,\(d * scale)\n2024-03-0\(d),TV,\(10 * d * scale)\n2024-03-0\(d),Web,\(scale)\n")
        }
        let first = try (1...6).map { try day("d\($0).csv", $0, 1) }
        // Every day again, revised (scale 2); day 3's Roku corrected once more; days 5 and 6 again (scale 3).
        let again = try [day("r1.csv", 1, 2), day("r2.csv", 2, 2), day("r3.csv", 3, 2),
                         parsedCSV("r3-roku.csv", header + "2024-03-03,Roku,15\n"),
                         day("r4.csv", 4, 2), day("r5.csv", 5, 2), day("r6.csv", 6, 2), day("r5b.csv", 5, 3), day("r6b.csv", 6, 3)]
        var answers: [[[ResultValue]]] = []
        var outcomes: [ImportOutcome] = []
        // Segments of 4 rows: held reports are written two files at a time (a run replacing the
        // stored days, later runs replacing earlier runs' rows, r3-roku replacing r3's in memory).
        // Segments of 1,000: every file is held until the commit.
        for segmentRows in [4, 1_000] {
            let store = try Store(path: dir.path + "/store\(segmentRows)", create: true)
            let load = try store.beginImport(segmentRows: segmentRows)
            for file in first { try load.add(file) }
            _ = try load.finish()
            func segmentFiles() -> Int { ((try? FileManager.default.contentsOfDirectory(atPath: store.path + "/segments")) ?? []).count }
            let committed = segmentFiles()
            let session = try store.beginImport(segmentRows: segmentRows)
            try session.add(again[0])
            #expect(segmentFiles() == committed)
            try session.add(again[1])
            // Six held rows: written now when segments hold 4.
            #expect((segmentFiles() > committed) == (segmentRows == 4))
            for file in again[2...] { try session.add(file) }
            let outcome = try session.finish()
            outcomes.append(outcome)
            #expect(outcome.rowsAdded == 18 && outcome.filesImported == 9)
            // 18 stored rows, r3's Roku, and r5's and r6's rows.
            #expect(outcome.rowsReplaced == 18 + 1 + 3 + 3)
            #expect(outcome.shadowedFiles.sorted() == ["r5.csv", "r6.csv"])
            let onDisk = Set(try FileManager.default.contentsOfDirectory(atPath: store.path + "/segments"))
            #expect(onDisk == Set(store.segments.map(\.name)))
            #expect(store.segments.reduce(0) { $0 + $1.rows } == 18)
            answers.append(try sessions(store, by: ["deviceType"]))
            #expect(try Store(path: store.path).verify().corruptions.isEmpty)
        }
        // Roku: days 1-4 doubled with day 3 corrected to 15, days 5 and 6 tripled; TV and Web likewise.
        let roku: Int64 = 2 + 4 + 15 + 8 + 15 + 18, tv: Int64 = 20 + 40 + 60 + 80 + 150 + 180, web: Int64 = 4 * 2 + 2 * 3
        let expected: [[ResultValue]] = [[.text("Roku"), .integer(roku)], [.text("TV"), .integer(tv)], [.text("Web"), .integer(web)]]
        #expect(answers[0] == expected)
        #expect(answers[1] == answers[0])
        #expect(outcomes[0].rowsReplaced == outcomes[1].rowsReplaced && outcomes[0].rowsAdded == outcomes[1].rowsAdded)
    }
}
