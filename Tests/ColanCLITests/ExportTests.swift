import Foundation
import Testing

/// `colan export`, checked by independent readers (pyarrow and DuckDB from `make interop`'s
/// virtual environment, Tests/Interop/check_export.py): schema, logical types, encodings,
/// statistics, and the two benchmark rollups over the export equal to `colan agg`.
@Suite(.serialized) struct ExportTests {
    static let python = CLIPaths.root.appendingPathComponent(".venv-interop/bin/python")

    /// A generic report with nulls in every metric and 30,000 distinct 60-byte names: more than a
    /// dictionary page may hold, so the name column falls back to PLAIN.
    static func nullsCSV() -> (csv: String, rows: [[Any?]]) {
        var csv = "time,name,count,ratio\n"
        var rows: [(String, String, Int?, Double?)] = []
        for i in 0..<30_000 {
            let day = i % 45
            let time = "2024-\(day < 31 ? "01" : "02")-\(String(format: "%02d", day < 31 ? day + 1 : day - 30)) 00:00:00"
            let name = "content-" + String(format: "%052d", i)
            let count: Int? = i % 5 == 0 ? nil : i
            let ratio: Double? = i % 7 == 0 ? nil : Double(i % 100) / 4
            csv += "\(time),\(name),\(count.map(String.init) ?? ""),\(ratio.map { String($0) } ?? "")\n"
            rows.append((time, name, count, ratio))
        }
        rows.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        return (csv, rows.map { [$0.1, $0.2, $0.3] })
    }

    /// colan agg's answer as rows of CSV fields (header dropped).
    func agg(_ store: String, _ arguments: [String]) throws -> [[String]] {
        let (code, out, err) = try colan(["agg", "--store", store, "--format", "csv"] + arguments)
        #expect(code == 0, "\(err)")
        return out.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test func exportIsReadByPyarrowAndDuckDBAsColanAnswers() throws {
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store").path
        #expect(try colan(["import", "--store", store, "SampleData"]).0 == 0)
        let (csv, nullRows) = Self.nullsCSV()
        let generic = dir.appendingPathComponent("names.csv")
        try csv.write(to: generic, atomically: true, encoding: .utf8)
        #expect(try colan(["import", "--store", store, "--tz", "UTC", generic.path]).0 == 0)

        let out = dir.appendingPathComponent("lake/colan").path
        let (code, said, err) = try colan(["export", "--store", store, "--out", out])
        #expect(code == 0, "\(err)")
        #expect(said.hasPrefix("exported "))
        let byDevice = try agg(store, ["--by", "deviceType", "--metrics", "totalSessions,totalViewershipMinutes"])
        let easternDay = try agg(store, ["--by", "channelId", "--interval", "day", "--tz", "US/Eastern", "--metrics", "totalSessions,totalViewershipMinutes"])
        let expected: [String: Any] = [
            "by_device": byDevice.map { [$0[0], Int($0[1])!, Int($0[2])!] },
            "eastern_day": easternDay.map { [String($0[0].prefix(10)), $0[1], Int($0[2])!, Int($0[3])!] },
            "months": ["2021-09", "2021-10"],
            "nulls": ["rows": nullRows.map { $0.map { $0 ?? NSNull() } }],
        ]
        let expectedFile = dir.appendingPathComponent("expected.json")
        try JSONSerialization.data(withJSONObject: expected).write(to: expectedFile)
        #expect(FileManager.default.isExecutableFile(atPath: Self.python.path), "run `make interop` (make test does) for pyarrow and DuckDB")
        let process = Process()
        process.executableURL = Self.python
        process.arguments = [CLIPaths.root.appendingPathComponent("Tests/Interop/check_export.py").path, out, expectedFile.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let report = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0 && report.hasSuffix("ok\n"), "\(report)")

        // The description names the datasets and the queries.
        let readme = try String(contentsOfFile: out + "/README.txt", encoding: .utf8)
        for part in ["viewershipAnalytics/hourly.US_Pacific.deviceType", "-- DuckDB", "-- Spark SQL", "-- Trino", "-- ClickHouse",
                     "distinct count: exact only at this dataset's own grain"] {
            #expect(readme.contains(part), "\(part)")
        }
        // Exporting again replaces the export; nothing temporary is left beside it.
        #expect(try colan(["export", "--store", store, "--out", out, "--report", "viewershipAnalytics", "--partition", "day"]).0 == 0)
        let kinds = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(kinds == ["README.txt", "_colan.json", "viewershipAnalytics"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("lake").path) == ["colan"])
        #expect(FileManager.default.fileExists(atPath: out + "/viewershipAnalytics/hourly.US_Pacific.channelId/day=2021-10-12/part-0000.parquet"))
        // A folder that is not an export is refused and left alone.
        let other = dir.appendingPathComponent("documents").path
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try "keep".write(toFile: other + "/notes.txt", atomically: true, encoding: .utf8)
        let (refused, _, message) = try colan(["export", "--store", store, "--out", other])
        #expect(refused != 0 && message.contains("is not a colan export"), "\(message)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: other) == ["notes.txt"])
        // CSV for spreadsheets: the same datasets, a header and UTC times.
        let csvOut = dir.appendingPathComponent("sheets").path
        #expect(try colan(["export", "--store", store, "--out", csvOut, "--format", "csv", "--report", "adAnalytics"]).0 == 0)
        let sheet = try String(contentsOfFile: csvOut + "/adAnalytics/daily.US_Pacific.channelId/month=2021-10/part-0000.csv", encoding: .utf8)
        #expect(sheet.hasPrefix("time,adOpportunities,adRequests,adResponses,adAssets,impressions,conversionRate,channelId\n2021-10-19T07:00:00Z,15,9,8,9,8,88.89,star122-flix-hd\n"),
                "\(sheet)")
    }
}
