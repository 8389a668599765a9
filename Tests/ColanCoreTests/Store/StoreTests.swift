import ColanCore
@testable import ColanStore
@testable import ColanImport
import Foundation
import Testing

/// Imports CSV texts through the import transaction `colan import` runs: each written as a file
/// (in a folder beside the store), then `ImportTransaction.run`; the outcome names files by
/// their names, and `store` reads the committed manifest.
@discardableResult
func importCSVs(_ store: Store, _ files: [(name: String, csv: String)], fixed: [String: String] = [:]) throws -> ImportOutcome {
    var options = ImportOptions()
    options.fixed = fixed
    options.zone = "UTC"
    let outcome = try runImport(files.map { ($0.name, $0.csv) }, into: store.path, options: options)
    try store.reload()
    return outcome
}

func sessions(_ store: Store, by: [String] = [], filters: [String: [String]] = [:]) throws -> [[ResultValue]] {
    var q = AggregateQuery()
    q.by = by
    q.filters = filters
    q.zone = "UTC"
    q.metrics = ["totalSessions"]
    return try AggregateEngine.run(q, store: store).rows
}

@Suite struct StoreTests {
    func freshStore() throws -> (Store, URL) {
        let dir = try makeTemporaryDirectory()
        return (try Store(path: dir.path + "/store", create: true), dir)
    }

    /// The manifest records every imported file; a store of thousands writes its source lines in
    /// slices on all cores. Paths and totals holding the manifest's separators (tab, line feed,
    /// '%', '&', '=') must read back exactly, in order, from a reopened store.
    @Test func manifestSourcesReadBackExactlyFromThousandsOfFiles() throws {
        let (store, dir) = try freshStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = ImportOptions()
        options.zone = "UTC"
        let parsed = try (0..<4_200).map { i -> IncomingFile in
            let name = i % 1_000 == 7 ? "odd\t%\(i)&a=b\nc.json" : "r\(i).json"
            let json = "{\"viewershipAnalytics\": [{\"time\": \"2024-03-01 \(String(format: "%02d", i % 24)):00:00\", \"numberOfSession\": \(i)}],"
                + " \"note\": \"x&y=z%\\t\(i)\", \"a=b&c\": \(i)}"
            let reports = try Array(json.utf8).withUnsafeBytes { try ReportImporter.importBytes($0, path: name, options: options) }
            return IncomingFile(path: name, hash: "h\(i)", bytes: json.utf8.count, reports: reports)
        }
        try commit(parsed, to: store)
        let reopened = try Store(path: dir.path + "/store")
        #expect(reopened.sources.count == 4_200)
        #expect(reopened.sources == store.sources)
        let odd = try #require(reopened.sources.first { $0.path.hasPrefix("odd") })
        #expect(odd.path == "odd\t%7&a=b\nc.json")
        #expect(odd.totals["note"] == "x&y=z%\t7" && odd.totals["a=b&c"] == "7")
        #expect(reopened.sources.map(\.path) == parsed.map(\.path))
    }

    /// Content hashes are XXH3-128 ("x3-" and 32 hex digits); stores made before list files by
    /// a pair of XXH64s (the golden version-1 store does). For such a store `colan import` asks
    /// for the older hash too, so a file imported then is still recognised, not imported twice.
    @Test func filesRecordedUnderTheOlderContentHashAreRecognised() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: GoldenFileTests.directory.appendingPathComponent("store-v1"),
                                         to: dir.appendingPathComponent("store"))
        let store = try Store(path: dir.path + "/store")
        #expect(store.recordsLegacyContentHashes)
        let sample = SampleDataTests.folder.appendingPathComponent("amagi-viewership-daily.json").path
        // The import computes the older hash too (the store records such hashes) and finds the file.
        let outcome = try #require(try ImportTransaction.run(ImportTransaction.Request(store: store.path, paths: [sample])).outcome)
        #expect(outcome.alreadyImported == [sample] && outcome.rowsAdded == 0)
        #expect(try Store(path: store.path).sources.count == 3)
        // A store of XXH3 hashes only needs nothing more: it records "x3-" and 32 hex digits.
        let (fresh, freshDir) = try freshStore()
        defer { try? FileManager.default.removeItem(at: freshDir) }
        let first = try #require(try ImportTransaction.run(ImportTransaction.Request(store: fresh.path, paths: [sample])).outcome)
        #expect(first.filesImported == 1)
        let recorded = try Store(path: fresh.path)
        #expect(recorded.sources.map { $0.hash.hasPrefix("x3-") && $0.hash.count == 35 } == [true])
        #expect(!recorded.recordsLegacyContentHashes)
        let again = try #require(try ImportTransaction.run(ImportTransaction.Request(store: fresh.path, paths: [sample])).outcome)
        #expect(again.alreadyImported == [sample])
    }

    @Test func importingTheSameFileAgainChangesNothing() throws {
        let (store, dir) = try freshStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = ("day1.csv", "time,deviceType,numberOfSession\n2024-03-01,Roku,5\n2024-03-01,Tablet,2\n")
        let first = try importCSVs(store, [file])
        #expect(first.rowsAdded == 2 && first.alreadyImported.isEmpty)
        let manifest = try String(contentsOfFile: store.path + "/manifest", encoding: .utf8)
        let second = try importCSVs(store, [file])
        #expect(second.alreadyImported == ["day1.csv"])
        #expect(second.rowsAdded == 0)
        #expect(try String(contentsOfFile: store.path + "/manifest", encoding: .utf8) == manifest)
        #expect(try sessions(store) == [[.integer(7)]])
    }

    @Test func aRevisedDownloadReplacesTheEarlierRowsNeverAddsToThem() throws {
        let (store, dir) = try freshStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        try importCSVs(store, [("d1.csv", "time,deviceType,numberOfSession\n2024-03-01,Roku,5\n2024-03-02,Roku,6\n2024-03-01,Tablet,1\n")])
        // Re-pulled with lookback: March 2 revised, March 3 new; March 1 untouched.
        let outcome = try importCSVs(store, [("d2.csv", "time,deviceType,numberOfSession\n2024-03-02,Roku,9\n2024-03-03,Roku,4\n")])
        #expect(outcome.rowsReplaced == 1)
        #expect(try sessions(store, by: ["deviceType"]) == [[.text("Roku"), .integer(5 + 9 + 4)], [.text("Tablet"), .integer(1)]])
        // Within one import the later file wins too, and the wholly replaced file is reported.
        let batch = try importCSVs(store, [("a.csv", "time,deviceType,numberOfSession\n2024-03-04,Roku,1\n"),
                                           ("b.csv", "time,deviceType,numberOfSession\n2024-03-04,Roku,2\n")])
        #expect(batch.shadowedFiles == ["a.csv"])
        #expect(try sessions(store, filters: ["deviceType": ["Roku"]]) == [[.integer(5 + 9 + 4 + 2)]])
    }

    @Test func reportsOutOfScanOrderAreStoredSortedWithTheirReplacementsApplied() throws {
        // Each report's rows are listed out of scan order; the store sorts them as it joins them into
        // a segment, after the later file has replaced one of the first file's rows.
        let (store, dir) = try freshStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let header = "time,deviceType,channelId,numberOfSession\n"
        let outcome = try importCSVs(store, [
            ("a.csv", header + "2024-03-05,TV,b,1\n2024-03-04,Roku,a,2\n2024-03-04,TV,a,3\n2024-03-05,Roku,b,4\n"),
            ("b.csv", header + "2024-03-05,TV,b,10\n"),
            ("c.csv", header + "2024-03-07,TV,a,5\n2024-03-06,Roku,a,6\n"),
        ])
        #expect(outcome.rowsReplaced == 1 && outcome.rowsAdded == 6)
        // a is written when b comes (streaming); b may replace its rows, so b and c are held, a's
        // segment is rewritten without the replaced row, and b and c are joined into a second one.
        let segments = try store.open(kind: nil)
        #expect(segments.count == 2)
        let tables = try segments.map { try $0.reader.readTable() }
        for table in tables { #expect(table.scanOrder() == nil) }
        let table = try Table.concatenate(tables, metadata: [:])
        guard let t = table.schema.index(of: "time"), let c = table.schema.index(of: "channelId"),
              let d = table.schema.index(of: "deviceType"), let s = table.schema.index(of: "numberOfSession"),
              case .int64(let times) = table.columns[t].values, case .dictionary(let cd, let cc) = table.columns[c].values,
              case .dictionary(let dd, let dc) = table.columns[d].values, case .int64(let counts) = table.columns[s].values
        else { Issue.record("unexpected columns"); return }
        let day: Int64 = 86_400, march4: Int64 = 1_709_510_400
        let stored = (0..<table.rowCount).map { "\((times[$0] - march4) / day) \(cd[Int(cc[$0])]) \(dd[Int(dc[$0])]) \(counts[$0])" }
        // By time, then channelId and deviceType (two values each: by name).
        #expect(stored == ["0 a Roku 2", "0 a TV 3", "1 b Roku 4", "1 b TV 10", "2 a Roku 6", "3 a TV 5"])
    }

    /// `colan import` sorts each report when it parses it, and a report that makes a segment of
    /// its own is then written without a second check; a report that lost rows to a later file
    /// is checked again, since fewer rows can change which dimensions scan order sorts by.
    @Test func reportsSortedWhenParsedStayInScanOrderThroughReplacement() throws {
        let (store, dir) = try freshStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let header = "time,channelId,deviceType,numberOfSession\n"
        let files = [("a.csv", header + "2024-03-04,a,TV,1\n2024-03-04,b,Roku,2\n2024-03-04,c,Roku,3\n"),
                     ("x.csv", "time,numberOfSession\n2024-03-04,7\n"),
                     ("b.csv", header + "2024-03-04,c,Roku,30\n")]
        // a, x, b: three segments (x's cuboid parts a from b); b replaces a's row of channel c.
        #expect(try importCSVs(store, files).rowsReplaced == 1)
        let tables = try store.open(kind: nil).map { try $0.reader.readTable() }
        #expect(tables.count == 3)
        func rows(_ table: Table) -> [String] {
            guard let c = table.schema.index(of: "channelId"), let d = table.schema.index(of: "deviceType"),
                  case .dictionary(let cd, let cc) = table.columns[c].values, case .dictionary(let dd, let dc) = table.columns[d].values
            else { return [] }
            return (0..<table.rowCount).map { cd[Int(cc[$0])] + " " + dd[Int(dc[$0])] }
        }
        for table in tables { #expect(table.scanOrder() == nil) }
        // a's two rows left: two channels and two device types, the tie going by name.
        #expect(tables.map(rows) == [["a TV", "b Roku"], [], ["c Roku"]])
        // One report alone: sorted by deviceType (fewer values) as parsed, and stored so.
        let (single, singleDir) = try freshStore()
        defer { try? FileManager.default.removeItem(at: singleDir) }
        try importCSVs(single, [files[0]])
        #expect(try single.open(kind: nil).map { rows(try $0.reader.readTable()) } == [["b Roku", "c Roku", "a TV"]])
    }

    @Test func differentCuboidsAndChannelsNeverReplaceEachOther() throws {
        let (store, dir) = try freshStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let day = "time,numberOfSession\n2024-03-01,10\n"
        try importCSVs(store, [("ch1.csv", day)], fixed: ["channelId": "ch1"])
        try importCSVs(store, [("ch2.csv", day + "\n")], fixed: ["channelId": "ch2"])
        try importCSVs(store, [("all.csv", "time,numberOfSession\n2024-03-01,25\n")])
        #expect(try sessions(store, by: ["channelId"]) == [[.text("ch1"), .integer(10)], [.text("ch2"), .integer(10)]])
        #expect(try sessions(store) == [[.integer(25)]])
        #expect(store.segments.count == 3)
    }

    @Test func compactionMergesSegmentsWithoutChangingAnswers() throws {
        let (store, dir) = try freshStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [(String, String)] = []
        for d in 1...12 {
            var csv = "time,deviceType,country,numberOfSession\n"
            for h in 0..<24 { csv += "2024-03-\(d < 10 ? "0" : "")\(d) \(h < 10 ? "0" : "")\(h):00:00,Roku,India,\(d * 100 + h)\n2024-03-\(d < 10 ? "0" : "")\(d) \(h < 10 ? "0" : "")\(h):00:00,TV,Peru,\(h)\n" }
            files.append(("day\(d).csv", csv))
        }
        for f in files { try importCSVs(store, [f]) }
        #expect(store.segments.count == 12)
        let before = try sessions(store, by: ["deviceType", "country"])
        let outcome = try store.compact()
        #expect(outcome.segmentsMerged == 12 && outcome.segmentsWritten == 1)
        #expect(store.segments.count == 1)
        #expect(try sessions(store, by: ["deviceType", "country"]) == before)
        #expect(FileIO.listDirectory(store.path + "/segments").count == 1)
        #expect(store.verify().corruptions.isEmpty)
    }

    @Test func queriesReadOnlyTheSegmentsOfTheirTimeRange() throws {
        let (store, dir) = try freshStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        for d in 1...3 { try importCSVs(store, [("d\(d).csv", "time,numberOfSession\n2024-03-0\(d),\(d)\n")]) }
        var q = AggregateQuery()
        q.zone = "UTC"
        q.from = "2024-03-02"
        q.to = "2024-03-02"
        q.metrics = ["totalSessions"]
        let result = try AggregateEngine.run(q, store: store)
        #expect(result.rows == [[.integer(2)]])
        #expect(result.explain.contains { $0.contains("segments: 1 read") && $0.contains("2 outside the time range skipped") })
    }

    @Test func verifyComparesRowsWithTheVendorTotals() throws {
        let (store, dir) = try freshStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = vendorSample
        let bad = vendorSample.replacingOccurrences(of: "\"totalSessions\": 9445", with: "\"totalSessions\": 9400")
            .replacingOccurrences(of: "2021-09-01 00:00:00", with: "2021-09-02 00:00:00")
        let parsed = try [("good.json", good), ("bad.json", bad)].map { name, text -> IncomingFile in
            let reports = try importText(text, name: name)
            return IncomingFile(path: name, hash: name, bytes: text.utf8.count, reports: reports)
        }
        try commit(parsed, to: store)
        let report = store.verify()
        #expect(report.corruptions.isEmpty)
        #expect(report.sourcesChecked == 2)
        #expect(report.differences == ["bad.json: totalSessions is 9400 in the response, its rows' numberOfSession add up to 9445 (+45)"])
    }

    @Test func verifyFindsACorruptSegment() throws {
        let (store, dir) = try freshStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        try importCSVs(store, [("d.csv", "time,deviceType,numberOfSession\n2024-03-01,Roku,5\n")])
        let path = store.segmentPath(store.segments[0])
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[20] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: path))
        let report = store.verify()
        #expect(report.corruptions.count == 1)
        #expect(report.corruptions.first?.file == path)
    }

    @Test func aNewerManifestIsRefusedWithAClearMessage() throws {
        let (store, dir) = try freshStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "colan-store\t2\nnext\t1\t1\n".write(toFile: store.path + "/manifest", atomically: true, encoding: .utf8)
        #expect(throws: ColanError.self) { try Store(path: store.path) }
        do { _ = try Store(path: store.path) } catch let e as ColanError {
            #expect(e.message == "store written in manifest version 2; this colan reads versions up to 1")
        }
    }

    /// A store fed one day at a time, each import re-importing the days before it (a daily pull
    /// with lookback), keeps a bounded number of segments by itself, with the answers of one
    /// import of everything.
    @Test func aStoreFedDailyStaysCompactByItself() throws {
        let (store, dir) = try freshStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let days = (0..<80).map { d -> (name: String, csv: String) in
            let day = String(CivilTime.format(Int64(19_800 + d) * 86_400).prefix(10))
            return ("d\(d).csv", "time,deviceType,numberOfSession\n\(day),Roku,\(d + 1)\n\(day),TV,\(2 * d + 1)\n")
        }
        for d in days.indices { try importCSVs(store, Array(days[max(0, d - 3)...d])) }
        #expect(store.segments.count <= Store.autoCompactionSegments, "\(store.segments.count) segments after 80 daily imports")
        let (whole, wholeDir) = try freshStore()
        defer { try? FileManager.default.removeItem(at: wholeDir) }
        try importCSVs(whole, days)
        #expect(try sessions(store, by: ["deviceType"]) == sessions(whole, by: ["deviceType"]))
        var total: Int64 = 0
        for d in 0..<80 { total += Int64(d + 1) + Int64(2 * d + 1) }
        #expect(try sessions(store) == [[.integer(total)]])
    }

    /// The batch an import compacts: the oldest run of at least 4 like-sized segments, however
    /// many rows the small segments hold in all (a store of 5 years of daily imports holds
    /// millions), up to the target size.
    @Test func importsCompactTheOldestRunOfLikeSizedSegments() {
        func segment(_ i: Int, _ rows: Int) -> SegmentEntry {
            SegmentEntry(name: "s\(i)", rows: rows, kind: "viewershipAnalytics", cuboid: "c", minTime: Int64(i), maxTime: Int64(i))
        }
        // 1,400 daily segments of 6,000 rows (8.4M rows in small segments): the oldest run, all of them up to 4M rows.
        let daily = (0..<1400).map { segment($0, 6_000) }
        let batch = Store.autoCompactionBatch(daily, target: 4_000_000)
        #expect(batch.count == 666 && batch.first?.name == "s0")
        // Merged tiers: 3 of 40,000 rows then 5 of 6,000: the 3 are too few, the 5 are merged.
        let mixed = (0..<3).map { segment($0, 40_000) } + (3..<8).map { segment($0, 6_000) }
        #expect(Store.autoCompactionBatch(mixed, target: 4_000_000).map(\.name) == ["s3", "s4", "s5", "s6", "s7"])
        #expect(Store.autoCompactionBatch(Array(mixed.prefix(6)), target: 4_000_000).isEmpty)
    }

    /// A report kind or interval this colan does not know is refused with what it is and where,
    /// never taken for another (an unknown interval once ranked as daily).
    @Test func unknownKindsAndIntervalsAreRefusedNotDefaulted() throws {
        let (store, dir) = try freshStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        try importCSVs(store, [("d.csv", "time,deviceType,numberOfSession\n2024-03-01,Roku,5\n")])
        let manifest = try String(contentsOfFile: store.path + "/manifest", encoding: .utf8)
        let renamed = manifest.replacingOccurrences(of: "\tviewershipAnalytics\t", with: "\tpodcastAnalytics\t")
        #expect(renamed != manifest)
        try renamed.write(toFile: store.path + "/manifest", atomically: true, encoding: .utf8)
        do {
            _ = try Store(path: store.path)
            Issue.record("a manifest naming an unknown report kind was read")
        } catch let e as ColanError {
            #expect(e.message.contains("names report kind 'podcastAnalytics', which this colan does not know"), "\(e)")
            #expect(e.message.contains("manifest line"))
        }
        var options = ImportOptions()
        options.interval = "QUARTERLY"
        #expect(throws: ColanError.self) { try importText("time,numberOfSession\n2024-03-01,5\n", name: "q.csv", options: options) }
    }
}
