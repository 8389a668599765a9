import ColanCore
@testable import ColanStore
@testable import ColanImport
import Foundation
import Testing

/// Runs of small responses joined into one report (`ResponseRun`, `StoreImport.add(_ run:)`) must
/// leave the store exactly as each response assembled alone does: the same manifest (a source
/// per file, its hash, rows and totals) and the same segment bytes, whatever stops a run (fields,
/// kinds, a fall-back night, times that meet, a file imported before, rows replaced, an error).
@Suite struct ResponseRunTests {
    /// An Amagi viewership response of `channel` on `day`: one row per label of `hours` (`HH:MM:SS`
    /// suffixes), numbers from `seed`; `float` writes the minutes with a fraction, `reordered` puts
    /// the minutes first, `utc` writes the labels in UTC, `exact` adds an `aggregatedViewers` count.
    static func response(_ day: String, seed: Int, hours: [String] = (0..<24).map { String(format: "%02d:00:00", $0) },
                         float: Bool = false, reordered: Bool = false, utc: Bool = false, exact: Int? = nil, device: String? = nil) -> String {
        let rows = hours.enumerated().map { i, hour -> String in
            let time = "\"time\": \"\(utc ? day + "T" + hour + "Z" : day + " " + hour)\"" + (device.map { ", \"deviceType\": \"\($0)\"" } ?? "")
            let minutes = "\"viewershipMinutes\": " + (float ? "\(seed * 10 + i).5" : "\(seed * 10 + i)")
            let counts = "\"uniqueViewers\": \(seed + i), \"numberOfSession\": \(seed + 2 * i)"
            return "{" + (reordered ? [minutes, time, counts] : [time, counts, minutes]).joined(separator: ", ") + "}"
        }
        return "{\"dateRange\": {\"startDate\": \"\(day)\", \"endDate\": \"\(day)\", \"interval\": \"HOURLY\"},\n"
            + "\"viewershipAnalytics\": [\n" + rows.joined(separator: ",\n") + "\n],\n\"totalSessions\": \(seed)"
            + (exact.map { ", \"aggregatedViewers\": \($0)" } ?? "") + "}\n"
    }

    /// What a store holds, byte for byte: its manifest and each segment file.
    static func contents(_ store: String) throws -> [String: Data] {
        var out = ["manifest": try Data(contentsOf: URL(fileURLWithPath: store + "/manifest"))]
        for name in try FileManager.default.contentsOfDirectory(atPath: store + "/segments") {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: store + "/segments/" + name))
        }
        return out
    }

    /// Imports each of `batches` (files written into one folder, named as given) in turn into two
    /// stores, runs joined and each response alone; expects the same stores and outcomes after
    /// every import, and returns the joined imports' results.
    @discardableResult
    static func importBoth(_ batches: [[(name: String, text: String)]], zone: String = "US/Eastern", keepGoing: Bool = false,
                           sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [ImportTransaction.Result] {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var results: [ImportTransaction.Result] = []
        for (b, batch) in batches.enumerated() {
            let folder = dir.path + "/batch\(b)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for file in batch { try file.text.write(toFile: folder + "/" + file.name, atomically: false, encoding: .utf8) }
            var outcomes: [ImportTransaction.Result] = []
            for joins in [true, false] {
                var request = ImportTransaction.Request(store: dir.path + (joins ? "/joined" : "/alone"), paths: [folder])
                request.options.zone = zone
                request.options.namePattern = "{channelId}_{startDate}.json"
                request.options.joinsResponses = joins
                request.keepGoing = keepGoing
                outcomes.append(try ImportTransaction.run(request))
            }
            let (joined, alone) = (outcomes[0], outcomes[1])
            #expect(joined.failures.map(\.description) == alone.failures.map(\.description), sourceLocation: sourceLocation)
            #expect((joined.outcome == nil) == (alone.outcome == nil), sourceLocation: sourceLocation)
            if let j = joined.outcome, let a = alone.outcome {
                #expect(j.alreadyImported == a.alreadyImported && j.shadowedFiles == a.shadowedFiles, sourceLocation: sourceLocation)
                #expect(j.rowsAdded == a.rowsAdded && j.rowsReplaced == a.rowsReplaced && j.filesImported == a.filesImported,
                        sourceLocation: sourceLocation)
                #expect(a.filesJoined == 0, sourceLocation: sourceLocation)
            }
            if FileManager.default.fileExists(atPath: dir.path + "/alone/manifest") {
                #expect(try contents(dir.path + "/joined") == contents(dir.path + "/alone"), sourceLocation: sourceLocation)
            }
            results.append(joined)
        }
        return results
    }

    static func days(_ month: String, _ range: ClosedRange<Int>) -> [String] { range.map { "2024-\(month)-" + String(format: "%02d", $0) } }

    /// A folder of many channels' days, with every way a run is stopped or taken apart.
    @Test func joinedResponsesImportAsEachAssembledAlone() throws {
        var files: [(name: String, text: String)] = []
        // Joined: three plain days; three with an exact count (each file's scope in its totals).
        for (i, day) in Self.days("10", 1...3).enumerated() { files.append(("ch01_\(day).json", Self.response(day, seed: 100 + i))) }
        for (i, day) in Self.days("10", 1...3).enumerated() { files.append(("ch03_\(day).json", Self.response(day, seed: 300 + i, exact: 1000 + i))) }
        // A fall-back night (US/Eastern repeats 01:00 on 2024-11-03): that run is assembled response by
        // response (its repeat is told from its first occurrence within the one response).
        let fallBack = (0..<25).map { String(format: "%02d:00:00", $0 <= 1 ? $0 : $0 - 1) }
        files.append(("ch02_2024-11-02.json", Self.response("2024-11-02", seed: 200)))
        files.append(("ch02_2024-11-03.json", Self.response("2024-11-03", seed: 201, hours: fallBack)))
        files.append(("ch02_2024-11-04.json", Self.response("2024-11-04", seed: 202)))
        // A day whose minutes have fractions (another kind of column) splits the run in two.
        for (i, day) in Self.days("10", 1...5).enumerated() { files.append(("ch04_\(day).json", Self.response(day, seed: 400 + i, float: i == 2))) }
        // Labels in UTC among local ones (days apart, so no times meet): each response settles its own zone.
        for (i, day) in ["2024-10-01", "2024-10-03", "2024-10-05"].enumerated() {
            files.append(("ch05_\(day).json", Self.response(day, seed: 500 + i, utc: i == 1)))
        }
        // Fields in another order split the run.
        for (i, day) in Self.days("10", 1...5).enumerated() { files.append(("ch06_\(day).json", Self.response(day, seed: 600 + i, reordered: i == 2))) }
        // Two files of the same day (the later replaces the earlier's rows): never joined.
        files.append(("ch07_2024-10-02.json", Self.response("2024-10-02", seed: 700)))
        files.append(("ch07_2024-10-03.json", Self.response("2024-10-02", seed: 701)))
        // A null in a later row: the row kernel does not take that response into the run; it begins a run
        // of its own (with the null), which the next response joins.
        for (i, day) in Self.days("10", 1...3).enumerated() {
            let text = Self.response(day, seed: 900 + i)
            files.append(("ch09_\(day).json", i == 1 ? text.replacingOccurrences(of: "\"uniqueViewers\": 910,", with: "\"uniqueViewers\": null,") : text))
        }
        // A request URL after the rows naming another zone: that response is taken back out of the run,
        // its rows and the values it alone brought (a device; local times beside the first day's UTC ones,
        // which would leave that day in the zone given instead of UTC).
        for (i, day) in Self.days("10", 1...3).enumerated() {
            let text = Self.response(day, seed: 1000 + i, utc: i != 1, device: i == 1 ? "tablet" : "ctv")
            files.append(("ch10_\(day).json", i == 1 ? String(text.dropLast(2)) + ", \"url\": \"https://analytics.example/v2?timezone=UTC\"}\n" : text))
        }
        // A response without rows.
        files.append(("ch08_2024-10-01.json", "{\"dateRange\": {\"startDate\": \"2024-10-01\", \"interval\": \"HOURLY\"}, \"viewershipAnalytics\": []}"))
        let result = try #require(try Self.importBoth([files]).first?.outcome)
        // ch01 3, ch03 3, ch04 2 + 2, ch06 2 + 2, ch09 2.
        #expect(result.filesJoined == 16)
        #expect(result.filesImported == files.count)
        // ch07's first file: every row replaced by the second's.
        #expect(result.shadowedFiles.map { String($0.split(separator: "/").last!) } == ["ch07_2024-10-02.json"])
    }

    /// Files imported before, in a run: they change nothing, the rest is imported; rows of a run that
    /// meet stored days replace them, a file at a time, as files given one by one do.
    @Test func runsMeetingEarlierImportsChangeWhatFilesAloneWould() throws {
        let first = Self.days("10", 1...4).enumerated().map { ("ch01_\($1).json", Self.response($1, seed: 100 + $0)) }
            + Self.days("10", 1...3).enumerated().map { ("ch02_\($1).json", Self.response($1, seed: 200 + $0)) }
        var second = Self.days("10", 3...6).enumerated().map { ("ch01_\($1).json", Self.response($1, seed: 102 + $0)) }  // days 3 and 4 as before
        // ch02's day 2 downloaded again with other numbers, and a new day.
        second += [("ch02_2024-10-02.json", Self.response("2024-10-02", seed: 250)), ("ch02_2024-10-04.json", Self.response("2024-10-04", seed: 251))]
        let results = try Self.importBoth([first, second])
        let again = try #require(results[1].outcome)
        #expect(Set(again.alreadyImported.map { String($0.split(separator: "/").last!) }) == ["ch01_2024-10-03.json", "ch01_2024-10-04.json"])
        #expect(again.rowsReplaced == 24)
        #expect(again.filesJoined == 2)  // ch02's two files: one run, its rows replacing day 2's
    }

    /// Held runs (after rows that may replace stored ones): a later file replacing every row of one
    /// file of a run leaves that file with no rows, reported as shadowed, as it would be alone.
    @Test func aFileOfAHeldRunReplacedByALaterFileIsShadowed() throws {
        let first = Self.days("10", 1...3).enumerated().map { ("ch01_\($1).json", Self.response($1, seed: 100 + $0)) }
        // Days 1 and 2 again as a run; day 2 again after them (fields reordered: not in the run); day 3.
        let second = [("ch01_2024-10-01.json", Self.response("2024-10-01", seed: 150)), ("ch01_2024-10-02.json", Self.response("2024-10-02", seed: 151)),
                      ("ch01_2024-10-02b.json", Self.response("2024-10-02", seed: 152, reordered: true)),
                      ("ch01_2024-10-03.json", Self.response("2024-10-03", seed: 153))]
        let results = try Self.importBoth([first, second])
        let outcome = try #require(results[1].outcome)
        #expect(outcome.shadowedFiles.map { String($0.split(separator: "/").last!) } == ["ch01_2024-10-02.json"])
        #expect(outcome.filesJoined == 2)
        #expect(outcome.rowsReplaced == 72 + 24)
    }

    /// A malformed response in a run fails as it does alone (named with its place), also when it
    /// fails after its rows were read into the run's (they are taken back); with --keep-going the
    /// others are imported as they would be.
    @Test func aFailingResponseInARunIsReportedAsAlone() throws {
        var files = Self.days("10", 1...7).enumerated().map { ("ch01_\($1).json", Self.response($1, seed: 100 + $0)) }
        files[1].1 = String(files[1].1.dropLast(3))  // truncated after its rows
        files[2].1 = String(files[2].1.dropLast(40))  // truncated in its rows
        files[3].1 = files[3].1.replacingOccurrences(of: "\"numberOfSession\": 103", with: "\"numberOfSession\": -1")
        let failed = try Self.importBoth([files])
        #expect(failed[0].outcome == nil && failed[0].failures.count == 3)
        #expect(failed[0].failures.first?.description.contains("ch01_2024-10-02.json") == true)
        let kept = try Self.importBoth([files], keepGoing: true)
        #expect(kept[0].outcome?.filesImported == 4)
        #expect(kept[0].outcome?.filesJoined == 3)  // days 5 to 7; day 1 alone
    }
}
