import Foundation
import Testing

/// `colan agg` answers a person can use as they are (issue: exact where the data is exact, refused
/// where a zone cuts hours, numbers that stay numbers, rankings and comparisons), end to end
/// through the CLI.
@Suite(.serialized) struct AggAnswersTests {
    /// A store in a temporary folder holding `files` (name -> content), imported with `arguments`.
    func store(_ files: [String: String], _ arguments: [String] = []) throws -> (store: String, dir: URL) {
        let dir = try CLIPaths.temporary()
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let store = dir.appendingPathComponent("store").path
        let (code, _, err) = try colan(["import", "--store", store] + arguments + files.keys.sorted().map { dir.appendingPathComponent($0).path })
        #expect(code == 0, "\(err)")
        return (store, dir)
    }

    static let seed = """
        {"dateRange":{"startDate":"2021-09-01","endDate":"2021-09-01","interval":"DAILY"},
         "viewershipAnalytics":[{"time":"2021-09-01 00:00:00","uniqueViewers":6404,"numberOfSession":9445,"viewershipMinutes":248539}],
         "totalSessions":9445,"totalViewershipMinutes":248539,"aggregatedViewers":6404,"avgSessionDuration":26.31,"avgSessionPerViewer":1.47}
        """

    /// Two weeks of daily rows for three devices: minutes = sessions x 10, viewers = sessions / 2.
    static let devices: String = {
        var csv = "time,deviceType,numberOfSession,viewershipMinutes,uniqueViewers\n"
        let base = ["Roku": 40, "Smart TV": 30, "Mobile Phone": 10]
        for day in 0..<14 {
            for (device, sessions) in base.sorted(by: { $0.key < $1.key }) {
                // The second week: Roku grows by half, Mobile Phone doubles.
                let s = day < 7 ? sessions : device == "Roku" ? sessions * 3 / 2 : device == "Mobile Phone" ? sessions * 2 : sessions
                csv += "2024-03-\(day + 4 < 10 ? "0" : "")\(day + 4),\(device),\(s),\(s * 10),\(s / 2)\n"
            }
        }
        return csv
    }()

    @Test func oneResponseIsExactWithOrWithoutItsFilter() throws {
        let (store, dir) = try store(["seed.json": Self.seed], ["--set", "channelId=star111-sports-hd"])
        defer { try? FileManager.default.removeItem(at: dir) }
        for filters in [[], ["--where", "channelId=star111-sports-hd"]] {
            let (code, out, err) = try colan(["agg", "--store", store, "--metrics", "aggregatedViewers,avgSessionPerViewer", "--format", "csv"] + filters)
            #expect(code == 0, "\(err)")
            #expect(out == "aggregatedViewers,avgSessionPerViewer,viewersExact\n6404,1.47,true\n")
            let (_, table, _) = try colan(["agg", "--store", store, "--metrics", "aggregatedViewers,avgSessionPerViewer"] + filters)
            #expect(!table.contains("<=") && !table.contains(">="), "\(table)")
        }
        // A second channel's day: the total adds two distinct counts, a bound; each channel stays exact.
        try Self.seed.replacingOccurrences(of: "6404", with: "5000").write(to: dir.appendingPathComponent("other.json"), atomically: true, encoding: .utf8)
        #expect(try colan(["import", "--store", store, "--set", "channelId=other", dir.appendingPathComponent("other.json").path]).0 == 0)
        let (_, total, _) = try colan(["agg", "--store", store, "--metrics", "aggregatedViewers", "--format", "csv"])
        #expect(total == "aggregatedViewers,viewersExact\n11404,false\n")
        let (_, each, _) = try colan(["agg", "--store", store, "--metrics", "aggregatedViewers", "--by", "channelId", "--format", "csv"])
        #expect(each == "channelId,aggregatedViewers,viewersExact\nother,5000,true\nstar111-sports-hd,6404,true\n")
    }

    @Test func aBucketHoldingOneSliceIsExactWhereTheStoreHoldsOthers() throws {
        // Channel A's days 1 and 2, channel B's day 3, then channel C's day 3 too.
        let (store, dir) = try store(["a.csv": "time,numberOfSession,uniqueViewers\n2021-09-01,10,5\n2021-09-02,20,8\n"], ["--set", "channelId=A"])
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, channel, text) in [("b.csv", "B", "time,numberOfSession,uniqueViewers\n2021-09-03,30,9\n"),
                                      ("c.csv", "C", "time,numberOfSession,uniqueViewers\n2021-09-03,7,3\n")] {
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
            #expect(try colan(["import", "--store", store, "--set", "channelId=" + channel, dir.appendingPathComponent(name).path]).0 == 0)
        }
        let (_, days, _) = try colan(["agg", "--store", store, "--interval", "day", "--metrics", "aggregatedViewers", "--format", "csv"])
        // Days 1 and 2 are one channel's count each: exact. Day 3 adds B's and C's: a bound.
        #expect(days == "time,aggregatedViewers,viewersExact\n2021-09-01 00:00:00,5,true\n2021-09-02 00:00:00,8,true\n2021-09-03 00:00:00,12,false\n")
    }

    @Test func zonesThatCutHoursAreRefusedOrApproximated() throws {
        let (store, dir) = try store(["hourly.csv": "time,numberOfSession\n2021-10-12 17:00:00,4\n2021-10-17 15:00:00,2\n"])
        defer { try? FileManager.default.removeItem(at: dir) }
        for (zone, offset) in [("Asia/Kolkata", "UTC+05:30"), ("Asia/Kathmandu", "UTC+05:45"), ("Australia/Adelaide", "UTC+10:30")] {
            let (code, _, err) = try colan(["agg", "--store", store, "--interval", "day", "--tz", zone])
            #expect(code != 0)
            #expect(err.contains(zone) && err.contains(offset) && err.contains("--approximate-zone"), "\(err)")
            // A --from/--to range of such a zone's days cuts hours too.
            #expect(try colan(["agg", "--store", store, "--tz", zone, "--from", "2021-10-01", "--to", "2021-10-31"]).0 != 0)
        }
        // Approximated: each hour in the day it starts in (17:00 Pacific on the 12th is 05:30 on the 13th in Kolkata).
        let (code, out, err) = try colan(["agg", "--store", store, "--interval", "day", "--tz", "Asia/Kolkata", "--approximate-zone",
                                          "--metrics", "totalSessions", "--format", "csv", "--explain"])
        #expect(code == 0)
        #expect(out == "time,totalSessions\n2021-10-13 00:00:00,4\n2021-10-18 00:00:00,2\n")
        #expect(err.contains("note: approximate zone") && err.contains("explain: approximate zone"), "\(err)")
        // Hour buckets are labelled by each hour's start in the zone.
        let (_, hours, _) = try colan(["agg", "--store", store, "--interval", "hour", "--tz", "Asia/Kolkata", "--metrics", "totalSessions", "--format", "csv"])
        #expect(hours == "time,totalSessions\n2021-10-13 05:30:00,4\n2021-10-18 03:30:00,2\n")
        // A whole-hour zone stays exact and unremarked.
        let (c2, eastern, e2) = try colan(["agg", "--store", store, "--interval", "day", "--tz", "US/Eastern", "--metrics", "totalSessions", "--format", "csv"])
        #expect(c2 == 0 && !e2.contains("note"))
        #expect(eastern == "time,totalSessions\n2021-10-12 00:00:00,4\n2021-10-17 00:00:00,2\n")
    }

    @Test func machineFormatsKeepNumbersNumeric() throws {
        let (store, dir) = try store(["devices.csv": Self.devices])
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, csv, _) = try colan(["agg", "--store", store, "--by", "deviceType", "--format", "csv"])
        let file = dir.appendingPathComponent("answer.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        // DuckDB's CSV reader (from PyPI, `make interop`) infers every metric column as a number.
        let python = CLIPaths.root.appendingPathComponent(".venv-interop/bin/python")
        #expect(FileManager.default.isExecutableFile(atPath: python.path), "run `make interop` (make test does) for the DuckDB reader")
        let script = "import duckdb,sys; r=duckdb.sql(\"select * from read_csv_auto('\(file.path)')\"); "
            + "print('\\n'.join(f'{n} {t}' for n,t in zip(r.columns, r.dtypes)))"
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let types = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let typed = Dictionary(uniqueKeysWithValues: types.split(separator: "\n").map { line in
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        })
        #expect(typed["deviceType"] == "VARCHAR")
        for metric in ["totalSessions", "totalViewershipMinutes", "aggregatedViewers", "avgSessionDuration", "avgSessionPerViewer"] {
            #expect(["BIGINT", "DOUBLE", "INTEGER"].contains(typed[metric] ?? ""), "\(metric): \(typed[metric] ?? "missing") in \(types)")
        }
        #expect(typed["viewersExact"] == "BOOLEAN")
        // JSON: numbers and booleans, never a bound as text.
        let (_, json, _) = try colan(["agg", "--store", store, "--by", "deviceType", "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] ?? []
        #expect(rows.count == 3)
        for row in rows {
            #expect(row["aggregatedViewers"] is NSNumber && row["avgSessionPerViewer"] is NSNumber)
            #expect((row["viewersExact"] as? Bool) == false)
        }
        // The table keeps the marks; markdown too.
        #expect(try colan(["agg", "--store", store, "--by", "deviceType"]).1.contains("<="))
        let (_, markdown, _) = try colan(["agg", "--store", store, "--by", "deviceType", "--metrics", "totalSessions,aggregatedViewers", "--format", "markdown"])
        #expect(markdown == """
            | deviceType | totalSessions | aggregatedViewers |
            | --- | ---: | ---: |
            | Mobile Phone | 210 | <=105 |
            | Roku | 700 | <=350 |
            | Smart TV | 420 | <=210 |

            """)
    }

    @Test func rankingsSharesAndComparisons() throws {
        let (store, dir) = try store(["devices.csv": Self.devices])
        defer { try? FileManager.default.removeItem(at: dir) }
        // Totals: Roku 40x7 + 60x7 = 700 sessions, Smart TV 420, Mobile Phone 70 + 140 = 210; all 1330.
        let (_, top, _) = try colan(["agg", "--store", store, "--by", "deviceType", "--metrics", "totalSessions",
                                     "--sort", "totalSessions", "--limit", "2", "--share", "--format", "csv"])
        #expect(top == "deviceType,totalSessions,totalSessionsShare\nRoku,700,52.63\nSmart TV,420,31.58\n")
        let (_, ascending, _) = try colan(["agg", "--store", store, "--by", "deviceType", "--metrics", "totalSessions", "--sort", "totalSessions:asc",
                                           "--format", "csv"])
        #expect(ascending == "deviceType,totalSessions\nMobile Phone,210\nSmart TV,420\nRoku,700\n")
        // Top 1 within each week.
        let (_, weekly, _) = try colan(["agg", "--store", store, "--by", "deviceType", "--interval", "week", "--metrics", "totalSessions",
                                        "--sort", "totalSessions", "--limit", "1", "--format", "csv"])
        #expect(weekly == "time,deviceType,totalSessions\n2024-03-04 00:00:00,Roku,280\n2024-03-11 00:00:00,Roku,420\n")
        // Week over week by device: the first week has no earlier week; Roku grew 50%, Mobile Phone 100%.
        let (_, growth, _) = try colan(["agg", "--store", store, "--by", "deviceType", "--interval", "week", "--metrics", "totalSessions",
                                        "--compare", "previous", "--format", "csv"])
        #expect(growth == """
            time,deviceType,totalSessions,totalSessionsPrevious,totalSessionsChange
            2024-03-04 00:00:00,Mobile Phone,70,,
            2024-03-04 00:00:00,Roku,280,,
            2024-03-04 00:00:00,Smart TV,210,,
            2024-03-11 00:00:00,Mobile Phone,140,70,100
            2024-03-11 00:00:00,Roku,420,280,50
            2024-03-11 00:00:00,Smart TV,210,210,0

            """)
        // A total against the same span before --from; bounds compare as bounds (no change figure).
        let (_, span, _) = try colan(["agg", "--store", store, "--metrics", "totalSessions,aggregatedViewers", "--from", "2024-03-11", "--to", "2024-03-17",
                                      "--compare", "previous"])
        // Second week 420 + 210 + 140 = 770 sessions against the first week's 560: +37.5%.
        #expect(span.contains("totalSessionsPrevious") && span.contains("770") && span.contains("560") && span.contains("37.5"), "\(span)")
        #expect(span.contains("<=385") && span.contains("<=280"), "\(span)")
        // A year earlier: no data, so empty.
        let (code, year, err) = try colan(["agg", "--store", store, "--metrics", "totalSessions", "--interval", "week", "--compare", "year", "--format", "csv"])
        #expect(code == 0, "\(err)")
        #expect(year.hasPrefix("time,totalSessions,totalSessionsPrevious,totalSessionsChange\n2024-03-04 00:00:00,560,,\n"))
    }

    @Test func chartsDrawTheFirstMetric() throws {
        let (store, dir) = try store(["devices.csv": Self.devices])
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, bars, _) = try colan(["agg", "--store", store, "--by", "deviceType", "--metrics", "totalSessions", "--format", "chart"],
                                     environment: ["COLUMNS": "60"])
        let (_, lines, _) = try colan(["agg", "--store", store, "--by", "deviceType", "--interval", "day", "--metrics", "totalSessions",
                                       "--format", "chart"], environment: ["COLUMNS": "60"])
        try expectSnapshot(bars + "\n" + lines, "agg-chart.txt")
    }
}
