import ColanCore
@testable import ColanStore
@testable import ColanImport
@testable import ColanSupport
import Foundation
import Testing

/// A big CSV file is read in windows, each handed to the store before the next is parsed
/// (`CSVWindowReader`, `StoreImport.beginFile`/`addPiece`): the store must end up holding what
/// a read of the whole file gives, whatever the windows see first.
@Suite struct WindowedImportTests {
    /// Options that read every CSV file in windows of about `window` bytes (chunks inside a window
    /// when `chunks`), or (nil) every file whole.
    static func options(window: Int?, chunks: Bool = false, zone: String = "UTC", windowedFrom: Int = 1) -> ImportOptions {
        var options = ImportOptions()
        options.zone = zone
        options.parallelCSVBytes = chunks ? 1_500 : .max
        if let window {
            options.windowedCSVBytes = windowedFrom
            options.windowedJSONBytes = windowedFrom
            options.csvWindowBytes = window
        } else {
            options.windowedCSVBytes = .max
            options.windowedJSONBytes = .max
        }
        return options
    }

    /// Every stored row as text (cuboid, then each column but `_source` by name), sorted; and
    /// each recorded file's hash, rows and kind.
    static func contents(of path: String) throws -> (rows: [String], sources: [String]) {
        let store = try Store(path: path)
        var rows: [String] = []
        for entry in store.manifest.segments {
            let table = try SegmentReader(path: store.segmentPath(entry)).readTable()
            let columns = table.schema.columns.indices.filter { table.schema.columns[$0].name != "_source" }
                .sorted { table.schema.columns[$0].name < table.schema.columns[$1].name }
            for r in 0..<table.rowCount {
                var row = entry.cuboid
                for c in columns {
                    let column = table.columns[c]
                    row += " " + table.schema.columns[c].name + "="
                    if let validity = column.validity, !validity[r] { row += "null"; continue }
                    switch column.values {
                    case .int64(let v): row += "i\(v[r])"
                    case .float64(let v): row += "d\(v[r].bitPattern)"
                    case .bool(let v): row += "b\(v[r])"
                    case .string(let v): row += "s" + v[r]
                    case .dictionary(let d, let codes): row += "s" + d[Int(codes[r])]
                    }
                }
                rows.append(row)
            }
        }
        let sources = store.manifest.sources.map { source in
            "\(source.hash) \(source.rows) \(source.kind) \(source.path.split(separator: "/").last ?? "") "
                + source.totals.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        }
        return (rows.sorted(), sources)
    }

    /// Imports each batch of files in turn (one import each) into a fresh store, whole and in
    /// windows, and expects the same stored rows, files and outcomes.
    /// `windowedFrom`: only files of at least this many bytes are read in windows.
    func expectSameWholeAndWindowed(_ imports: [[(name: String, text: String)]], windows: [Int] = [700, 4_096], zone: String = "UTC",
                                    windowedFrom: Int = 1,
                                    sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func run(_ options: ImportOptions, _ name: String) throws -> (rows: [String], sources: [String], outcomes: [String]) {
            let store = dir.path + "/" + name
            var outcomes: [String] = []
            for files in imports {
                let outcome = try runImport(files, into: store, options: options)
                outcomes.append("\(outcome.rowsAdded) \(outcome.rowsReplaced) \(outcome.filesImported) \(outcome.alreadyImported)")
            }
            let (rows, sources) = try Self.contents(of: store)
            return (rows, sources, outcomes)
        }
        let whole = try run(Self.options(window: nil, zone: zone), "whole")
        #expect(!whole.rows.isEmpty, sourceLocation: sourceLocation)
        for window in windows {
            for chunks in [false, true] {
                let windowed = try run(Self.options(window: window, chunks: chunks, zone: zone, windowedFrom: windowedFrom), "w\(window)-\(chunks)")
                // The first difference only: the rows are many.
                let differ = zip(windowed.rows, whole.rows).first { $0 != $1 }
                #expect(windowed.rows.count == whole.rows.count && differ == nil,
                        "window \(window), chunks \(chunks): \(windowed.rows.count) rows, \(whole.rows.count) whole; \(differ.map { "\($0.0) against \($0.1)" } ?? "")",
                        sourceLocation: sourceLocation)
                #expect(windowed.sources == whole.sources, sourceLocation: sourceLocation)
                #expect(windowed.outcomes == whole.outcomes, sourceLocation: sourceLocation)
            }
        }
    }

    /// Daily rows of channels and devices, `days` days from 2021-09-01, in time order (or channel by channel).
    static func history(days: Int, from first: Int = 0, channelMajor: Bool = false, value: (Int) -> String = { String($0 % 97) }) -> String {
        var lines = ["date,channelId,deviceType,numberOfSession,viewershipMinutes,extra"]
        let devices = ["Roku", "Smart TV", "Mobile Phone"]
        var keys: [(Int, Int, Int)] = []
        for d in first..<(first + days) { for c in 0..<4 { for v in 0..<3 { keys.append((d, c, v)) } } }
        if channelMajor { keys.sort { ($0.1, $0.0, $0.2) < ($1.1, $1.0, $1.2) } }
        for (i, (d, c, v)) in keys.enumerated() {
            let date = Calendar(identifier: .gregorian).date(byAdding: .day, value: d, to: Date(timeIntervalSince1970: 1_630_454_400))!
            let day = ISO8601DateFormatter().string(from: date).prefix(10)
            lines.append("\(day),ch\(c),\(devices[v]),\(i % 13),\(value(i)),\(i % 5)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func windowsInTimeOrderAndChannelByChannelStoreWhatTheWholeFileDoes() throws {
        try expectSameWholeAndWindowed([[("history.csv", Self.history(days: 60))]])
        // Channel by channel: every window overlaps the others in time; none replaces another's rows.
        try expectSameWholeAndWindowed([[("history.csv", Self.history(days: 60, channelMajor: true))]])
        // A row repeated within the file (the same key twice) is kept twice, as a whole read keeps it.
        var repeated = Self.history(days: 30).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        repeated.insert(repeated[5], at: repeated.count - 2)
        try expectSameWholeAndWindowed([[("history.csv", repeated.joined(separator: "\n"))]])
    }

    @Test func kindsIntervalAndZoneSettleAsTheWholeFileDoes() throws {
        // Integers, then a decimal near the end: the whole column holds floats.
        try expectSameWholeAndWindowed([[("h.csv", Self.history(days: 40) { $0 == 400 ? "12.5" : String($0 % 97) })]])
        // Numbers, then text near the end: the column is text (numbers in their shortest form).
        let lines = Self.history(days: 40).split(separator: "\n").map(String.init)
        let extraText = lines.enumerated().map { i, line in i == lines.count - 3 ? String(line.dropLast()) + "x" : line }
        try expectSameWholeAndWindowed([[("h.csv", extraText.joined(separator: "\n") + "\n")]])
        // A column empty in the first windows, integers later.
        let sparse = lines.enumerated().map { i, line in
            i == 0 || i > 300 ? line : String(line[..<line.lastIndex(of: ",")!]) + ","
        }
        try expectSameWholeAndWindowed([[("h.csv", sparse.joined(separator: "\n") + "\n")]])
        // Midnights, then an hour: hourly rows. "Z" stamps, then a local label: the file's zone.
        let hourly = lines.enumerated().map { i, line in
            guard i > 0 else { return line }
            let hour = i == 410 ? "T05:00:00" : "T00:00:00"
            return String(line.prefix(10)) + hour + (i < 380 ? "Z" : "") + String(line.dropFirst(10))
        }
        try expectSameWholeAndWindowed([[("h.csv", hourly.joined(separator: "\n") + "\n")]], zone: "US/Eastern")
    }

    @Test func quotedFieldsWithLineBreaksAndCRLFLinesSplitOnlyBetweenRecords() throws {
        var lines = ["date,channelId,contentTitle,numberOfSession"]
        for i in 0..<900 {
            let title = i % 7 == 0 ? "\"Part \(i),\nthe \"\"long\"\" one\"" : "Title \(i % 11)"
            lines.append("2021-09-\(String(format: "%02d", 1 + i / 60)),ch\(i % 3),\(title),\(i)")
        }
        try expectSameWholeAndWindowed([[("quoted.csv", lines.joined(separator: "\r\n") + "\r\n")]], windows: [300, 2_000])
    }

    /// Hourly rows of channels and devices as JSON row objects, `hours` hours from 2021-09-01;
    /// `row` may change a row's text (a late decimal, a late field).
    static func jsonRows(hours: Int, row: (Int, String) -> String = { $1 }) -> String {
        var rows: [String] = []
        for h in 0..<hours {
            for c in 0..<3 {
                let i = h * 3 + c
                let time = String(format: "2021-09-%02d %02d:00:00", 1 + h / 24, h % 24)
                rows.append(row(i, "{\"time\": \"\(time)\", \"channelId\": \"ch\(c)\", \"numberOfSession\": \(i % 13), \"viewershipMinutes\": \(i % 97)}"))
            }
        }
        return "[\n" + rows.joined(separator: ",\n") + "\n]"
    }

    @Test func bigJSONFilesInWindowsStoreWhatTheWholeFileDoes() throws {
        // An Amagi response: the date range before the rows, totals after them (the manifest records them).
        let rows = Self.jsonRows(hours: 60)
        let amagi = "{\"dateRange\": {\"startDate\": \"2021-09-01\", \"endDate\": \"2021-09-03\", \"interval\": \"HOURLY\"},\n"
            + "\"viewershipAnalytics\": " + rows + ",\n\"totalSessions\": 1234, \"totalViewershipMinutes\": 5678.5}\n"
        try expectSameWholeAndWindowed([[("amagi.json", amagi)]])
        // A bare array whose later rows widen what the first windows settled: an integer column turning
        // decimal, a field first named late (null before), hours after midnights (the interval inferred).
        let widening = Self.jsonRows(hours: 60) { i, row in
            i == 150 ? row.replacingOccurrences(of: "\"viewershipMinutes\": ", with: "\"extra\": \"late\", \"viewershipMinutes\": 0.5 + ")
                .replacingOccurrences(of: "0.5 + ", with: "") + "" : row
        }
        #expect(widening.contains("\"extra\": \"late\""))
        try expectSameWholeAndWindowed([[("widening.json", widening)]])
        let decimalLate = Self.jsonRows(hours: 60) { i, row in i == 170 ? row.replacingOccurrences(of: "}", with: ", \"share\": 0.25}") : row }
            .replacingOccurrences(of: "\"numberOfSession\": 7,", with: "\"numberOfSession\": 7.5,")
        try expectSameWholeAndWindowed([[("decimal.json", decimalLate)]])
        let midnightsThenHours = "[" + (0..<200).map { d in
            let time = d < 150 ? String(format: "2021-%02d-%02d", 1 + d / 28, 1 + d % 28) : String(format: "2021-12-%02d 05:00:00", 1 + d % 28)
            return "{\"time\": \"\(time)\", \"channelId\": \"ch\(d % 3)\", \"numberOfSession\": \(d)}"
        }.joined(separator: ",\n") + "]"
        try expectSameWholeAndWindowed([[("days.json", midnightsThenHours)]])
        // A MediaMelon envelope, imported over stored rows it replaces and then recognised again.
        let envelope = "{\"totalcount\": 180, \"pagecount\": 1, \"response\": " + rows + "}"
        try expectSameWholeAndWindowed([[("amagi.json", amagi)], [("envelope.json", envelope)], [("envelope.json", envelope)]])
        // A response with a channel list beside its rows is read whole (windows take one rows array).
        let withChannels = "{\"viewershipChannels\": [{\"channelId\": \"ch0\", \"channelName\": \"Zero\"}],\n"
            + "\"viewershipAnalytics\": " + rows + "}"
        try expectSameWholeAndWindowed([[("channels.json", withChannels)]])
        // An exact distinct count (Amagi's aggregatedViewers, after the rows or before them) is exact for the
        // requested dates: its scope (recorded beside the totals, compared here) is the whole read's.
        let exact = amagi.replacingOccurrences(of: "\"totalSessions\": 1234", with: "\"aggregatedViewers\": 42, \"totalSessions\": 1234")
        let exactFirst = "{\"aggregatedViewers\": 42, " + amagi.dropFirst()
        #expect(exact != amagi)
        try expectSameWholeAndWindowed([[("exact.json", exact)], [("exact-first.json", exactFirst)]])
        // A unique-viewers headline without the requested dates is exact for a period found from every
        // row's times: read whole.
        let headline = "{\"uniqueViewersAnalytics\": " + Self.jsonRows(hours: 60).replacingOccurrences(of: "numberOfSession", with: "uniqueViewers")
            + ",\n\"weeklyUniqueViewers\": 77}"
        try expectSameWholeAndWindowed([[("headline.json", headline)]])
        // A request URL after the rows gives a filter and a zone the windows read before it did not know:
        // read again with the fields first. Before the rows, one pass.
        let url = "\"url\": \"https://analytics.example/v2/viewershipAnalytics?deviceType=roku&timezone=America%2FNew_York\""
        let urlAfter = amagi.replacingOccurrences(of: "\"totalSessions\": 1234", with: url + ", \"totalSessions\": 1234")
        let urlBefore = "{" + url + ", " + amagi.dropFirst()
        #expect(urlAfter != amagi)
        try expectSameWholeAndWindowed([[("url-after.json", urlAfter)], [("url-before.json", urlBefore)]])
        // Those equalities hold whether or not windows were used: the windows and passes are counted here.
        // A later column makes the first pass stop (`Unsettled`) and the second read in its settlement; so
        // does a request URL after the rows. A response read whole hands nothing on when what makes it one
        // comes before its rows (channels), and its windows are taken back when after (the headline).
        let cases: [(name: String, text: String, windowed: Bool, handsOn: Bool, passes: Int)] = [
            ("amagi", amagi, true, true, 1), ("envelope", envelope, true, true, 1), ("rows", rows, true, true, 1),
            ("widening", widening, true, true, 2), ("url-after", urlAfter, true, true, 2), ("url-before", urlBefore, true, true, 1),
            ("exact", exact, true, true, 1), ("exact-first", String(exactFirst), true, true, 1),
            ("channels", withChannels, false, false, 1), ("headline", headline, false, true, 1)]
        for (name, text, windowed, handsOn, expectedPasses) in cases {
            var settled = WindowSettlement(), reports = 0, passes = 0
            var read: JSONWindowReader.Read?
            var done: [Range<Int>] = []
            let bytes = Array(text.utf8)
            while passes < 5 {
                passes += 1
                (reports, done) = (0, [])
                do {
                    read = try bytes.withUnsafeBytes { bytes in
                        try JSONWindowReader.read(bytes, path: name, options: Self.options(window: 700), windowBytes: 700, settled: settled,
                                                  doneWith: { done.append($0) }, deliver: { _ in reports += 1 })
                    }
                    break
                } catch let unsettled as WindowSettlement.Unsettled {
                    settled = unsettled.settled
                }
            }
            #expect((read != nil) == windowed && (reports > 3) == handsOn, "\(name): \(reports) windows")
            #expect(passes == expectedPasses, "\(name): \(passes) passes")
            // The bytes are let go in order, each once, and all of them when the file is read in windows.
            #expect(zip(done, done.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound } && done.first?.lowerBound ?? 0 == 0, "\(name)")
            if windowed { #expect(done.last?.upperBound == bytes.count, "\(name)") }
        }
        // What the manifest records of a response read in one pass: the totals after its rows too, and the
        // scope of an exact count after them.
        read(amagi) { read in #expect(read?.totals["totalSessions"] == "1234" && read?.totals["totalViewershipMinutes"] == "5678.5") }
        read(exact) { read in #expect(read?.totals["aggregatedViewers"] == "42" && read?.totals[ExactViewers.scopeKey]?.contains("2021-09-01") == true) }
    }

    /// Reads `text` in windows of 700 bytes (in the settlement a first pass gives) and passes the read on.
    private func read(_ text: String, _ check: (JSONWindowReader.Read?) -> Void) {
        var settled = WindowSettlement()
        for _ in 0..<5 {
            do {
                let read = try Array(text.utf8).withUnsafeBytes { bytes in
                    try JSONWindowReader.read(bytes, path: "f.json", options: Self.options(window: 700), windowBytes: 700, settled: settled,
                                              doneWith: { _ in }, deliver: { _ in })
                }
                return check(read)
            } catch let unsettled as WindowSettlement.Unsettled {
                settled = unsettled.settled
            } catch {
                Issue.record("\(error)")
                return
            }
        }
    }

    /// A local hour a fall-back night repeats: a whole read gives a row's first occurrence the earlier
    /// instant and its repeat the later one. Read in windows, a repeat may lie in a later window than
    /// its first occurrence, and must still take the later instant.
    @Test func aRepeatedFallBackHourInALaterWindowTakesTheLaterInstant() throws {
        // Channel by channel, each channel's 01:00 twice (EDT, then EST) among its other hours: windows of
        // 700 and 4,096 bytes cut between many of the pairs.
        var rows: [String] = []
        for c in 0..<40 {
            for (k, hour) in ["00", "01", "01", "02", "03"].enumerated() {
                rows.append("{\"time\": \"2021-11-07 \(hour):00:00\", \"channelId\": \"ch\(c)\", \"numberOfSession\": \(c * 5 + k)}")
            }
        }
        let json = "[\n" + rows.joined(separator: ",\n") + "\n]"
        try expectSameWholeAndWindowed([[("fold.json", json)]], zone: "US/Eastern")
        // The same rows as CSV, hour by hour (each channel's repeat after every channel's first 01:00).
        var lines = ["time,channelId,numberOfSession"]
        for (k, hour) in ["00", "01", "01", "02", "03"].enumerated() {
            for c in 0..<40 { lines.append("2021-11-07 \(hour):00:00,ch\(c),\(c * 5 + k)") }
        }
        try expectSameWholeAndWindowed([[("fold.csv", lines.joined(separator: "\n") + "\n")]], windows: [200, 700], zone: "US/Eastern")
    }

    /// A bad value late in a JSON file read in windows names its row as a whole read does, and the
    /// store is left as it was.
    @Test func aBadRowLateInABigJSONFileIsNamedAndNothingIsStored() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = Self.jsonRows(hours: 60) { i, row in i == 160 ? row.replacingOccurrences(of: "\"numberOfSession\": ", with: "\"numberOfSession\": \"many\", \"x\": ") : row }
        var messages: [String] = []
        for options in [Self.options(window: nil), Self.options(window: 700)] {
            let store = dir.path + "/s\(messages.count)"
            _ = try runImport([("seed.csv", "date,channelId,numberOfSession\n2021-08-01,ch0,1\n")], into: store, options: options)
            let manifest = try String(contentsOfFile: store + "/manifest", encoding: .utf8)
            do {
                _ = try runImport([("bad.json", bad)], into: store, options: options)
                Issue.record("a bad row was imported")
            } catch let error as ColanError {
                // After the file's name (its folder differs run by run).
                messages.append(error.description.components(separatedBy: "bad.json").last ?? "")
            }
            #expect(try String(contentsOfFile: store + "/manifest", encoding: .utf8) == manifest)
            let segments = try FileManager.default.contentsOfDirectory(atPath: store + "/segments")
            #expect(Set(segments) == Set(try Store(path: store).segments.map(\.name)))
        }
        #expect(messages.count == 2 && messages[0] == messages[1], "\(messages)")
        #expect(messages.first?.contains("row 161") == true)
    }

    @Test func aWindowedFileReplacesStoredRowsAndALaterFileReplacesItsRows() throws {
        let base = Self.history(days: 10)
        let big = Self.history(days: 40) { String($0 % 89 + 1000) }
        let later = "date,channelId,deviceType,numberOfSession,viewershipMinutes,extra\n2021-09-20,ch1,Roku,1,1,1\n2021-09-21,ch2,Roku,1,1,1\n"
        // Stored days replaced by the big file; two of its rows by a later file of the same import.
        try expectSameWholeAndWindowed([[("base.csv", base)], [("big.csv", big), ("later.csv", later)]])
        // Days 5-40 over stored days 0-9 (that segment rewritten), then a later file meeting what is
        // left of it; a file written earlier in the same import losing rows to the big file; two big
        // files replacing rows in turn; a big file after a held report (written when the big file begins).
        let middle = Self.history(days: 36, from: 5) { String($0 % 83 + 2000) }
        let day2 = "date,channelId,deviceType,numberOfSession,viewershipMinutes,extra\n2021-09-03,ch0,Roku,5,5,5\n"
        let early = Self.history(days: 3, from: 12) { String($0 % 7 + 3000) }
        let late = Self.history(days: 10, from: 30) { String($0 % 11 + 4000) }
        try expectSameWholeAndWindowed([[("base.csv", base)], [("big.csv", middle), ("later.csv", day2)]])
        try expectSameWholeAndWindowed([[("base.csv", base)], [("a-early.csv", early), ("b-big.csv", middle)]])
        try expectSameWholeAndWindowed([[("base.csv", base)], [("b-big.csv", middle), ("c-big.csv", late)]])
        try expectSameWholeAndWindowed([[("base.csv", base)], [("a-day2.csv", day2), ("b-big.csv", middle), ("c-big.csv", late)]])
        // Only the big ones in windows: the small file before them is held, then written when they
        // begin (their pieces after it), or written and replaced by them.
        #expect(day2.utf8.count < 10_000 && early.utf8.count < 10_000 && middle.utf8.count > 10_000)
        try expectSameWholeAndWindowed([[("base.csv", base)], [("a-day2.csv", day2), ("b-big.csv", middle), ("c-big.csv", late)]],
                                       windowedFrom: 10_000)
        try expectSameWholeAndWindowed([[("base.csv", base)], [("a-early.csv", early), ("b-big.csv", middle), ("later.csv", day2)]],
                                       windowedFrom: 10_000)
        // More files than are sized one at a time (sizes looked up on both cores, in slices): the big
        // file among 300 small ones is read in windows in its place; small files before it lose rows
        // to it, later ones take rows from it and from each other.
        let header = "date,channelId,deviceType,numberOfSession,viewershipMinutes,extra\n"
        var folder = (0..<300).map { i in
            (name: "d\(1000 + i).csv", text: header + "2021-09-\(10 + i % 20),ch0,Roku,\(i),\(i % 7),1\n")
        }
        folder.insert(("d1150-big.csv", middle), at: 150)
        try expectSameWholeAndWindowed([[("base.csv", base)], folder], windows: [4_096], windowedFrom: 10_000)
        // The big file again: recognised, nothing changes (hashed before it is parsed: a file of
        // its size was imported). A file of the same size with other bytes is imported.
        let sameSize = big.replacingOccurrences(of: ",ch1,Roku,", with: ",ch1,Roku,", options: [], range: nil)
            .replacingOccurrences(of: "2021-09-05,ch2,Roku,", with: "2021-09-05,ch2,Roky,")
        #expect(sameSize.utf8.count == big.utf8.count && sameSize != big)
        try expectSameWholeAndWindowed([[("big.csv", big)], [("big.csv", big)], [("other.csv", sameSize)]])
    }

    /// A bad value late in a file read in windows names its line; the import is given up with
    /// the store as it was, even though earlier windows were already written as segments; with
    /// keepGoing, the other files are committed and none of the bad file's rows.
    @Test func aWindowedFileFailingLateLeavesTheStoreAsItWas() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var lines = Self.history(days: 40).split(separator: "\n").map(String.init)
        var fields = lines[450].split(separator: ",").map(String.init)
        fields[3] = "many"  // numberOfSession, on line 451
        lines[450] = fields.joined(separator: ",")
        let store = dir.path + "/store"
        try runImport([("first.csv", Self.history(days: 2))], into: store, options: Self.options(window: nil))
        let before = try String(contentsOfFile: store + "/manifest", encoding: .utf8)
        let segmentsBefore = try FileManager.default.contentsOfDirectory(atPath: store + "/segments").sorted()
        do {
            _ = try runImport([("bad.csv", lines.joined(separator: "\n") + "\n")], into: store, options: Self.options(window: 2_000))
            Issue.record("the bad file was imported")
        } catch let error as ColanError {
            #expect(error.location?.hasPrefix("line 451") == true, "\(error)")
            #expect(error.file?.hasSuffix("bad.csv") == true)
        }
        #expect(try String(contentsOfFile: store + "/manifest", encoding: .utf8) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store + "/segments").sorted() == segmentsBefore)

        // keepGoing: the good file after it is committed, the bad one's pieces are taken back.
        let folder = dir.path + "/in"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/a-bad.csv", atomically: false, encoding: .utf8)
        try Self.history(days: 3).replacingOccurrences(of: "2021-09-0", with: "2022-09-0")
            .write(toFile: folder + "/b-good.csv", atomically: false, encoding: .utf8)
        var request = ImportTransaction.Request(store: store, paths: [folder])
        request.options = Self.options(window: 2_000)
        request.keepGoing = true
        let result = try ImportTransaction.run(request)
        #expect(result.failures.count == 1)
        #expect(result.outcome?.rowsAdded == 3 * 12 && result.outcome?.filesImported == 1)
        let (rows, sources) = try Self.contents(of: store)
        #expect(rows.count == 2 * 12 + 3 * 12 && sources.count == 2)
    }

    /// The file hash computed block by block equals the one-shot hashes of the same bytes.
    @Test func fileHashesReadInBlocksEqualTheOneShotHashes() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededRandom(seed: 7)
        for size in [0, 1, 31, 4 << 20, (4 << 20) + 4_097, 9_000_001] {
            let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let path = dir.path + "/f\(size)"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let (hash, legacy) = try contentHashes(ofFileAt: path, legacy: true)
            bytes.withUnsafeBytes { raw in
                #expect(hash == contentHash(raw))
                #expect(legacy == legacyContentHash(raw))
            }
        }
    }
}
