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
            options.csvWindowBytes = window
        } else {
            options.windowedCSVBytes = .max
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
        let sources = store.manifest.sources.map { "\($0.hash) \($0.rows) \($0.kind) \($0.path.split(separator: "/").last ?? "")" }
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
