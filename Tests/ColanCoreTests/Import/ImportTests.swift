import ColanCore
import Foundation
import Testing

/// Imports `text` as if it were the file `name`.
func importText(_ text: String, name: String = "report.json", options: ImportOptions = ImportOptions()) throws -> [ImportedReport] {
    try importData(Array(text.utf8), name: name, options: options)
}

func importData(_ bytes: [UInt8], name: String = "report.json", options: ImportOptions = ImportOptions()) throws -> [ImportedReport] {
    do {
        return try bytes.withUnsafeBytes { try ReportImporter.importBytes($0, path: name, options: options) }
    } catch let error as ColanError {
        throw error.inFile(name)
    }
}

/// The error an import raises, or nil.
func importError(_ text: String, name: String = "bad.json", options: ImportOptions = ImportOptions()) -> ColanError? {
    importError(bytes: Array(text.utf8), name: name, options: options)
}

func importError(bytes: [UInt8], name: String = "bad.json", options: ImportOptions = ImportOptions()) -> ColanError? {
    do { _ = try importData(bytes, name: name, options: options); return nil } catch let e as ColanError { return e } catch {
        return ColanError(.importing, "unexpected \(error)")
    }
}

func int64s(_ report: ImportedReport, _ column: String) -> [Int64] {
    guard let i = report.table.schema.index(of: column), case .int64(let v) = report.table.columns[i].values else { return [] }
    return v
}

let vendorSample = """
{
"dateRange": {"startDate": "2021-09-01", "endDate": "2021-09-01", "interval": "DAILY", "startTime": "00:00", "endTime": "23:00"},
"viewershipAnalytics": [
{"time": "2021-09-01 00:00:00", "uniqueViewers": 6404, "numberOfSession": 9445, "viewershipMinutes": 248539}
],
"totalSessions": 9445, "totalViewershipMinutes": 248539, "aggregatedViewers": 6404,
"dailyAverageNumberOfViewers": 6404, "dailyAverageSessionCount": 9445, "dailyAverageViewershipMinutes": 248539,
"avgSessionDuration": 26.31, "avgSessionPerViewer": 1.47
}
"""

@Suite struct ImportTests {
    @Test func vendorSampleImportsWithMetadataAndTotals() throws {
        let reports = try importText(vendorSample)
        #expect(reports.count == 1)
        let r = reports[0]
        #expect(r.kind == "viewershipAnalytics")
        #expect(r.interval == "DAILY")
        #expect(r.zone == "US/Pacific")
        #expect(r.totals["totalSessions"] == "9445")
        #expect(r.totals["avgSessionDuration"] == "26.31")
        // 2021-09-01 00:00 in US/Pacific (PDT, UTC-7) is 07:00 UTC.
        #expect(int64s(r, "time") == [1_630_479_600])
        #expect(int64s(r, "numberOfSession") == [9445])
        #expect(r.table.schema.columns.first { $0.name == "uniqueViewers" }?.role == .metric(.distinctCount))
    }

    @Test func emptyDownloadsAreEmptyReports() throws {
        #expect(try importText("", name: "r.csv").isEmpty)
        #expect(try importText("  \n", name: "r.csv").isEmpty)
        #expect(try importText("Time,Device Type,Number Of Session\r\n", name: "r.csv").isEmpty)
    }

    @Test func csvHeadersMatchCatalogNamesLeniently() throws {
        let csv = "\u{FEFF}Time,Device Type,viewership_minutes,Number Of Session,\"Note, quoted\"\r\n"
            + "2021-09-01 00:00:00,Roku,100,4,\"a \"\"b\"\", c\nd\"\r\n"
            + "2021-09-01 01:00:00,Smart TV,50,2,x\r\n"
        let r = try importText(csv, name: "r.csv")[0]
        #expect(r.kind == "viewershipAnalytics")
        #expect(r.interval == "HOURLY")
        #expect(Set(r.table.schema.columns.map(\.name)) == ["time", "deviceType", "viewershipMinutes", "numberOfSession", "Note, quoted"])
        #expect(int64s(r, "viewershipMinutes") == [100, 50])
        let note = r.table.columns[r.table.schema.index(of: "Note, quoted")!]
        guard case .dictionary(let d, let codes) = note.values else { Issue.record("not text"); return }
        #expect(d[Int(codes[0])] == "a \"b\", c\nd")
    }

    @Test func truncatedJSONNamesFileLineAndColumn() {
        let e = importError("{\n\"viewershipAnalytics\": [\n{\"time\": \"2021-09-01 00:00:00\", \"uniqueViewers\": 5")
        #expect(e?.file == "bad.json")
        #expect(e?.location?.hasPrefix("line 3, column") == true)
        #expect(e?.message.contains("truncated") == true)
    }

    @Test func stringWhereANumberBelongsIsRefused() {
        let e = importError("{\"viewershipAnalytics\": [{\"time\": \"2021-09-01 00:00:00\", \"numberOfSession\": \"12\"}]}")
        #expect(e?.message.contains("where a number belongs") == true)
        #expect(e?.location?.contains("row 1 at line 1, column") == true)
    }

    @Test func numberBeyondInt64AndNegativeCountsAreRefused() {
        let big = importError("{\"viewershipAnalytics\": [{\"time\": \"2021-09-01\", \"numberOfSession\": 99999999999999999999}]}")
        #expect(big?.message.contains("beyond the 64-bit integer range") == true)
        let negative = importError("{\"viewershipAnalytics\": [{\"time\": \"2021-09-01\", \"viewershipMinutes\": -3}]}")
        #expect(negative?.message == "negative count -3 in 'viewershipMinutes'")
    }

    @Test func raggedCSVRowsNameTheLine() {
        let e = importError("time,deviceType,numberOfSession\n2021-09-01,Roku,3\n2021-09-02,Roku\n", name: "r.csv")
        #expect(e?.location == "line 3")
        #expect(e?.message == "row has 2 fields, the header has 3")
    }

    /// A file without quotes or carriage returns takes the scanner's plain path; the same
    /// rows with one quoted field take the general path. Both must read the same values,
    /// and text values that differ in one byte, at every length around the dictionary's
    /// 8/16/32-byte word boundaries, must stay distinct.
    @Test func plainAndQuotedCSVReadTheSameValuesOfEveryLength() throws {
        var values: [String] = []
        for length in 0...40 {
            for position in stride(from: 0, to: length, by: max(1, length / 5)) {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                bytes[position] = UInt8(ascii: "b")
                values.append(String(decoding: bytes, as: UTF8.self))
            }
            values.append(String(repeating: "a", count: length))
        }
        let rows = values.enumerated().map { "2021-09-01,x\($0.element),\($0.offset)" }
        let plain = "time,note,numberOfSession\n" + rows.joined(separator: "\n") + "\n\n"
        let quoted = "time,note,numberOfSession\n\"2021-09-01\"" + plain.dropFirst("time,note,numberOfSession\n2021-09-01".count)
        for text in [plain, quoted] {
            let report = try #require(try importText(text, name: "lengths.csv").first)
            let column = report.table.columns[try #require(report.table.schema.index(of: "note"))]
            guard case .dictionary(let dictionary, let codes) = column.values else { Issue.record("note is not text"); continue }
            #expect(codes.map { dictionary[Int($0)] } == values.map { "x" + $0 })
            #expect(dictionary.count == Set(values).count)
            #expect(int64s(report, "numberOfSession") == values.indices.map(Int64.init))
        }
        let ragged = importError("time,note\n2021-09-01,a\n2021-09-02,b,c\n", name: "r.csv")
        #expect(ragged?.location == "line 3")
        #expect(ragged?.message == "row has 3 fields, the header has 2")
    }

    /// Settled columns take a shortcut past the general typing; values it must not take
    /// still get the general rules: numbers in a text column keep their shortest form,
    /// leading zeros are dropped from integers, and an out-of-range number is an error.
    @Test func settledColumnsTypeValuesLikeTheGeneralPath() throws {
        let csv = "time,note,numberOfSession\n" + [
            "2021-09-01,x,1", "2021-09-01,007,007", "2021-09-01,1.50,2", "2021-09-01,2024-05-01,3",
            "2021-09-01,-3,4", "2021-09-01,+4,5", "2021-09-01,,6", "2021-09-01,1e2,0",
        ].joined(separator: "\n") + "\n"
        let report = try #require(try importText(csv, name: "settled.csv").first)
        let note = report.table.columns[try #require(report.table.schema.index(of: "note"))]
        guard case .dictionary(let dictionary, let codes) = note.values else { Issue.record("note is not text"); return }
        #expect(codes.map { dictionary[Int($0)] }.enumerated().filter { note.validity?[$0.offset] != false }.map(\.element)
                == ["x", "7", "1.5", "2024-05-01", "-3", "+4", "100.0"])
        #expect(int64s(report, "numberOfSession") == [1, 7, 2, 3, 4, 5, 6, 0])
        let tooBig = importError("time,numberOfSession\n2021-09-01,1\n2021-09-01,99999999999999999999\n", name: "big.csv")
        #expect(tooBig?.message.contains("beyond the 64-bit integer range") == true)
        #expect(tooBig?.location?.hasPrefix("line 3") == true)
    }

    /// Plain rows go through the row kernel, which copies the fields a row shares with the
    /// row before it and hands rows it cannot take to the general loop. Random files of rows
    /// sharing prefixes (ending inside a field, at a delimiter, or covering the whole row),
    /// with empty fields, numbers in text columns, text turning an integer column into text,
    /// a fraction making one a float column, blank lines and a last line without a line
    /// feed: the kernel's reports equal the general loop's, and so do the errors.
    @Test func theCSVRowKernelReadsLikeTheGeneralLoop() throws {
        var rng = SeededRandom(seed: 11)
        let channels = ["a", "ab", "abc", "b", "abcdefghijklmnop", "abcdefghijklmnopq"]
        let notes = ["x", "xy", "xyz", "", "12", "x\u{e9}", "2024-05-01"]
        let numbers = ["1", "12", "123", "007", "0", "123456789012345678", "-3", ""]
        var kernel = ImportOptions(), general = ImportOptions()
        kernel.zone = "UTC"; general.zone = "UTC"
        general.csvRowKernel = false
        for round in 0..<60 {
            var lines = ["time,ch,n,note,m"]
            var previous = ""
            for i in 0..<Int(rng.next() % 400 + 1) {
                let hour = i / 40
                func pick(_ values: [String], rare: Int) -> String {
                    // Mostly the first few values; the rest (empty, numeric-looking) rarely.
                    let k = rng.next() % 100 < UInt64(rare) ? Int(rng.next() % UInt64(values.count)) : Int(rng.next() % 3)
                    return values[k]
                }
                var n = pick(numbers, rare: round % 3 == 0 ? 20 : 2)
                if round % 7 == 1, i == 150 { n = "x" }      // the integer column becomes text
                if round % 7 == 2, i == 90 { n = "2.5" }     // ... or floats
                let row = "2021-09-01 \(hour < 10 ? "0" : "")\(hour):00:00,\(pick(channels, rare: 30)),\(n),"
                    + "\(pick(notes, rare: round % 2 == 0 ? 10 : 1)),\(pick(numbers, rare: 1))"
                lines.append(rng.next() % 10 == 0 ? previous : row)  // whole rows repeat too
                previous = lines[lines.count - 1]
                if rng.next() % 150 == 0 { lines.append("") }
            }
            var text = lines.joined(separator: "\n") + (round % 2 == 0 ? "\n" : "")
            if round % 10 == 5 { text += "2021-09-01 23:00:00,a,1\n" }  // a ragged last row
            let name = "kernel\(round).csv"
            let a = importError(text, name: name, options: kernel), b = importError(text, name: name, options: general)
            #expect(a?.message == b?.message && a?.location == b?.location, "round \(round)")
            guard a == nil, b == nil else { continue }
            let x = try importText(text, name: name, options: kernel), y = try importText(text, name: name, options: general)
            let same = x.map(\.table) == y.map(\.table)  // (not inside #expect: it would print both whole tables)
            #expect(same, "round \(round)")
        }
    }

    /// JSON rows go through the row kernel while they list the columns in the same order with
    /// plain values; anything else goes to the general loop. Random responses whose rows
    /// reorder, drop, add or nest fields, hold nulls, negatives, fractions, escapes, non-ASCII
    /// text, numbers where text was and text where a number was, with compact or spread-out
    /// whitespace, and some malformed endings: the kernel's reports and errors equal the
    /// general loop's.
    @Test func theJSONRowKernelReadsLikeTheGeneralLoop() throws {
        var rng = SeededRandom(seed: 21)
        var kernel = ImportOptions(), general = ImportOptions()
        kernel.zone = "UTC"; general.zone = "UTC"
        general.jsonRowKernel = false
        let odd = ["null", "-3", "2.5", "1e3", "007", "\"x\\\"y\"", "\"caf\u{e9}\"", "{\"a\": 1}", "[1, 2]", "\"\"", "true", "12345678901234567890"]
        for round in 0..<80 {
            var rows: [String] = []
            for i in 0..<Int(rng.next() % 120 + 1) {
                var fields = [
                    "\"time\": \"2021-09-01 \(i / 10 < 10 ? "0" : "")\(i / 10):00:00\"",
                    "\"channelName\": \"ch\(rng.next() % 3)\"",
                    "\"numberOfSession\": \(rng.next() % 50)",
                    "\"note\": \(rng.next() % 2 == 0 ? "\"n\(rng.next() % 4)\"" : "\"n\"")",
                    "\"memo\": \"m\(rng.next() % 3)\"",  // a name as long as the one before it
                ]
                if rng.next() % 100 < UInt64(round % 4 == 0 ? 10 : 1) {
                    // One odd value in a random field (the time field keeps its label).
                    let f = Int(rng.next() % 3) + 1
                    let name = fields[f].prefix { $0 != ":" }
                    fields[f] = name + ": " + odd[Int(rng.next() % UInt64(odd.count))]
                }
                if rng.next() % 100 < 2 { fields.swapAt(1, 3) }
                if rng.next() % 100 < 2 { fields.swapAt(3, 4) }
                if rng.next() % 100 < 2 { fields.removeLast() }
                if rng.next() % 100 < 2 { fields.append("\"extra\": 1") }
                let spaced = round % 3 == 0
                rows.append(spaced ? "{\n  " + fields.joined(separator: ",\n  ") + "\n}" : "{" + fields.joined(separator: ",") + "}")
            }
            var text = "{\"viewershipAnalytics\": [" + rows.joined(separator: round % 2 == 0 ? ",\n" : ",") + "], \"totalSessions\": 1}"
            if round % 20 == 7 { text = String(text.dropLast(30)) }  // truncated
            if round % 20 == 9 { text = text.replacingOccurrences(of: "}]", with: "}, ]") }  // a trailing comma
            let name = "kernel\(round).json"
            let a = importError(text, name: name, options: kernel), b = importError(text, name: name, options: general)
            #expect(a?.message == b?.message && a?.location == b?.location, "round \(round): \(a?.message ?? "") / \(b?.message ?? "")")
            guard a == nil, b == nil else { continue }
            let x = try importText(text, name: name, options: kernel), y = try importText(text, name: name, options: general)
            let same = x.map(\.table) == y.map(\.table)  // (not inside #expect: it would print both whole tables)
            #expect(same, "round \(round)")
        }
    }

    /// A big plain CSV is read in chunks on all cores; the report must equal one read
    /// from start to end: values, nulls, dictionary order, row lines in later errors,
    /// a column the chunks type differently (read again from the start), and the
    /// first bad value's message.
    @Test func aBigCSVReadInChunksEqualsOneRead() throws {
        func csv(_ mixedFrom: Int?, badAt: Int? = nil, badTimeAt: Int? = nil) -> String {
            var lines = ["time,channelId,numberOfSession,note,ratio,mixed"]
            for i in 0..<3000 {
                let hour = String(i / 125 < 10 ? "0" : "") + String(i / 125)
                let sessions = i == badAt ? "-5" : String(i % 17)
                let mixed = mixedFrom.map { i >= $0 ? "x\(i % 3)" : String(i) } ?? String(i)
                let time = i == badTimeAt ? "soon" : "2021-09-01 \(hour):00:00"
                lines.append("\(time),ch\(i % 5),\(sessions),\(i % 7 == 0 ? "" : "n\(i % 13)"),\(i % 10).5,\(mixed)")
                if i % 400 == 0 { lines.append("") }  // blank lines shift the line numbers
            }
            return lines.joined(separator: "\n") + "\n"
        }
        var chunked = ImportOptions(), whole = ImportOptions()
        chunked.zone = "UTC"; whole.zone = "UTC"
        chunked.parallelCSVBytes = 2_000  // chunks of about 1 KB: dozens of them
        whole.parallelCSVBytes = .max
        // Also: a quoted header over a plain body (chunks check only their own bytes), and a
        // quoted field deep in the body (its chunk is not plain: the file is read in one piece).
        let quotedHeader = "\"time\",channelId,numberOfSession,note,ratio,mixed" + csv(nil).drop { $0 != "\n" }
        let quotedField = csv(nil).replacingOccurrences(of: ",n7,", with: ",\"n,7\",")
        for text in [csv(nil), csv(1_500), csv(2_999), quotedHeader, quotedField] {
            let a = try #require(try importText(text, name: "big.csv", options: chunked).first)
            let b = try #require(try importText(text, name: "big.csv", options: whole).first)
            #expect(a.table == b.table)
            #expect(a.table.rowCount == 3_000)
        }
        // Row i is on line i + 2 plus the blank lines before it (after rows 0, 400, ...).
        for (bad, line) in [(csv(nil, badAt: 2_500), 2_509), (csv(nil, badTimeAt: 2_600), 2_609)] {
            let e1 = importError(bad, name: "big.csv", options: chunked), e2 = importError(bad, name: "big.csv", options: whole)
            #expect(e1 != nil && e1?.message == e2?.message && e1?.location == e2?.location)
            #expect(e1?.location?.hasPrefix("line \(line)") == true, "\(e1?.location ?? "")")
        }
    }

    /// A big report's times are gathered from its labels' instants on all cores (from 262,144
    /// rows on): every row must still get its own label's instant.
    @Test func aBigReportsRowsGetTheirOwnLabelsInstants() throws {
        let base: Int64 = 1_704_067_200  // 2024-01-01 00:00 UTC
        var bytes = Array("time,numberOfSession\n".utf8)
        for i in 0..<300_000 {
            CivilTime.append(base + Int64(i * 7 % 9_000) * 3600, to: &bytes)
            bytes += Array(",\(i)\n".utf8)
        }
        var options = ImportOptions()
        options.zone = "UTC"
        let report = try #require(try importData(bytes, name: "big.csv", options: options).first)
        guard case .int64(let times) = report.table.columns[0].values, case .int64(let rows) = report.table.columns[1].values else {
            Issue.record("unexpected columns")
            return
        }
        #expect(times.count == 300_000)
        #expect(times == rows.map { base + $0 * 7 % 9_000 * 3600 })
    }

    @Test func deepNestingAndRandomBytesNeverCrash() {
        let deep = "{\"viewershipAnalytics\": [{\"time\": \"2021-09-01\", \"x\": " + String(repeating: "[", count: 1_000_000)
            + String(repeating: "]", count: 1_000_000) + "}]}"
        #expect(importError(deep)?.message.contains("nesting deeper than") == true)
        var rng = SeededRandom(seed: 5)
        for length in [1, 2, 10, 100, 1000] {
            for _ in 0..<20 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
                _ = importError(bytes: bytes, name: "random.bin")
            }
        }
    }

    @Test func invalidUTF8IsRefusedWithItsOffset() {
        var bytes = Array("{\"viewershipAnalytics\": [{\"time\": \"2021-09-01\", \"deviceType\": \"Ro".utf8)
        bytes += [0xFF, 0xFE] + Array("ku\"}]}".utf8)
        let e = importError(bytes: bytes)
        #expect(e?.message == "invalid UTF-8 in a string")
    }

    @Test func rowFieldNamesAreComparedByBytesYetCheckedLikeStrings() throws {
        // An escaped name is the same field as its plain spelling; the field order may change between rows.
        let rows = try importText("""
            {"viewershipAnalytics": [
            {"time": "2021-09-01 00:00:00", "numberOfSession": 4, "deviceType": "Roku"},
            {"device\\u0054ype": "TV", "time": "2021-09-01 01:00:00", "numberOfSession": 5}]}
            """, options: { var o = ImportOptions(); o.zone = "UTC"; return o }())[0]
        #expect(int64s(rows, "numberOfSession") == [4, 5])
        #expect(rows.table.schema.columns.map(\.name).sorted() == ["deviceType", "numberOfSession", "time"])
        let twice = importError("{\"viewershipAnalytics\": [{\"time\": \"2021-09-01\", \"numberOfSession\": 1, \"numberOfSession\": 2}]}")
        #expect(twice?.message == "field \"numberOfSession\" appears twice in one row")
        // Rows of more fields than a scan of the names covers (16) find them through a dictionary,
        // filled once the columns pass it: each field keeps its column whatever the order, and a
        // name spelled with a combining accent is the same field as its precomposed spelling.
        let names = (0..<20).map { "m\($0)" } + ["caf\u{E9}"]
        let first = names.enumerated().map { "\"\($1)\": \($0)" }.joined(separator: ", ")
        let second = names.enumerated().reversed().map { "\"\($1 == "caf\u{E9}" ? "cafe\u{301}" : $1)\": \($0 + 100)" }.joined(separator: ", ")
        let wide = try importText("[{\(first)}, {\(second)}]")[0]
        #expect(wide.table.schema.columns.count == 21)
        for (k, name) in names.enumerated() { #expect(int64s(wide, name) == [Int64(k), Int64(k + 100)], "\(name)") }
        var bytes = Array("{\"viewershipAnalytics\": [{\"time\": \"2021-09-01\", \"numberOf".utf8)
        bytes += [0xFF] + Array("Session\": 1}]}".utf8)
        #expect(importError(bytes: bytes)?.message == "invalid UTF-8 in a field name")
    }

    @Test func unknownShapeIsRefused() {
        #expect(importError("{\"hello\": 1}")?.message.hasPrefix("no rows found") == true)
    }

    @Test func fallBackHourArrivesTwiceAndBecomesTwoInstants() throws {
        // 2021-11-07: US/Pacific repeats 01:00 (PDT, then PST).
        let csv = "time,deviceType,numberOfSession\n"
            + "2021-11-07 00:00:00,Roku,1\n2021-11-07 01:00:00,Roku,2\n2021-11-07 01:00:00,Roku,3\n2021-11-07 02:00:00,Roku,4\n"
            + "2021-11-07 01:00:00,Tablet,5\n2021-11-07 01:00:00,Tablet,6\n"
        let r = try importText(csv, name: "dst.csv")[0]
        let t = int64s(r, "time")
        #expect(t[2] - t[1] == 3600)
        #expect(t[1] - t[0] == 3600)
        #expect(t[3] - t[2] == 3600)
        #expect(t[4] == t[1] && t[5] == t[2])
        // A third 01:00 for one device is more than the zone repeats: refused at its row.
        let thrice = importError(csv + "2021-11-07 01:00:00,Roku,7\n", name: "dst.csv")
        #expect(thrice?.message == "local time \"2021-11-07 01:00:00\" repeats more often than US/Pacific repeats it")
        #expect(thrice?.location == "line 8")
    }

    /// A date label must name a real day: month lengths and the Gregorian leap-year rule
    /// (2000 and 2024 have a February 29th, 1900, 2023 and 2100 do not).
    @Test func dateLabelsMustBeRealDays() throws {
        var options = ImportOptions()
        options.zone = "UTC"
        for (label, real) in [("2024-02-29", true), ("2000-02-29", true), ("2023-02-29", false), ("2100-02-29", false),
                              ("1900-02-29", false), ("2024-04-30", true), ("2024-04-31", false), ("2024-12-31", true),
                              ("2024-01-32", false), ("2024-13-01", false), ("2024-00-10", false), ("2024-06-00", false)] {
            let text = "time,numberOfSession\n\(label),1\n"
            if real {
                let report = try #require(try importText(text, name: "d.csv", options: options).first)
                guard case .int64(let times) = report.table.columns[0].values else { Issue.record("no times"); continue }
                let (y, m, d) = CivilTime.date(days: Int(times[0] / 86400))
                #expect(String(format: "%04d-%02d-%02d", y, m, d) == label)
            } else {
                #expect(importError(text, name: "d.csv", options: options)?.message.contains("is not a time") == true, "\(label)")
            }
        }
    }

    @Test func springForwardGapIsAnError() {
        var options = ImportOptions()
        options.zone = "US/Eastern"
        let e = importError("time,numberOfSession\n2021-03-14 01:00:00,1\n2021-03-14 02:00:00,1\n", name: "gap.csv", options: options)
        #expect(e?.message == "local time \"2021-03-14 02:00:00\" does not exist in US/Eastern (clocks jump forward then)")
        #expect(e?.location == "line 3")
    }

    @Test func filtersComeFromOptionsAndFileNamePattern() throws {
        var options = ImportOptions()
        options.namePattern = "{channelId}_{deviceType}_{startDate}.json"
        let r = try importText(vendorSample, name: "/tmp/x/star111-sports-hd_Roku_2021-09-01.json", options: options)[0]
        #expect(r.fixed == ["channelId": "star111-sports-hd", "deviceType": "Roku"])
        #expect(r.specificDimensions == ["channelId", "deviceType"])
        // Placeholders take the text up to the next literal, names may be UTF-8, and a name must match to its end.
        var accented = ImportOptions()
        accented.namePattern = "{channelId}-{country}.json"
        let a = try importText(vendorSample, name: "café-tv-México.json", options: accented)[0]
        #expect(a.fixed == ["channelId": "café", "country": "tv-México"])
        #expect(importError(vendorSample, name: "café-tv-México.json.bak", options: accented)?.message.contains("does not match --name") == true)
        var conflicting = ImportOptions()
        conflicting.fixed = ["deviceType": "Tablet"]
        let csv = "time,deviceType,numberOfSession\n2021-09-01,Roku,1\n"
        #expect(importError(csv, name: "c.csv", options: conflicting)?.message.contains("given as deviceType=Tablet") == true)
    }

    @Test func channelListBecomesALookupReport() throws {
        let json = "{\"viewershipChannels\": [{\"channelName\": \"Star Sports\", \"channelId\": \"star111-sports-hd\"}], \"adAnalyticsChannels\": []}"
        let reports = try importText(json)
        #expect(reports.map(\.kind) == ["viewershipChannels"])
        #expect(reports[0].table.schema.columns.map(\.name) == ["channelName", "channelId"])
    }

    @Test func mediaMelonEnvelopeImports() throws {
        let json = "{\"totalcount\": 2, \"pagecount\": 1, \"totalrecords\": 2, \"response\": [{\"timestamp\": \"2024-05-01T10:00:00Z\", \"viewercount\": 12, \"cdn\": \"akamai\"}, {\"timestamp\": \"2024-05-01T11:00:00Z\", \"viewercount\": 15, \"cdn\": \"fastly\"}]}"
        let r = try importText(json)[0]
        #expect(r.kind == "smartsight")
        #expect(r.totals["totalrecords"] == "2")
        #expect(int64s(r, "time") == [1_714_557_600, 1_714_561_200])
        #expect(int64s(r, "viewercount") == [12, 15])
    }

    @Test func aVeryLongLineImportsWithoutRecursionOrQuadraticWork() throws {
        // A gigabyte-long line is handled the same way; 16 MB keeps the test quick.
        let long = String(repeating: "x", count: 16 << 20)
        let csv = "time,note,numberOfSession\n2021-09-01,\(long),3\n2021-09-02,short,4\n"
        let r = try importText(csv, name: "long.csv")[0]
        #expect(int64s(r, "numberOfSession") == [3, 4])
        let json = "{\"viewershipAnalytics\": [{\"time\": \"2021-09-01\", \"note\": \"\(long)\", \"numberOfSession\": 5}]}"
        #expect(int64s(try importText(json)[0], "numberOfSession") == [5])
    }
}
