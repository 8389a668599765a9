import ColanCore
import Foundation
import Testing

/// Imports CSV texts in `zone` as one import each and returns the store.
func storeOf(_ files: [(name: String, csv: String, fixed: [String: String])], zone: String = "US/Pacific") throws -> (Store, URL) {
    let dir = try makeTemporaryDirectory()
    var store = try Store(path: dir.path + "/store", create: true)
    for f in files {
        var options = ImportOptions()
        options.zone = zone
        options.fixed = f.fixed
        store = try importTexts([(f.name, f.csv)], into: store.path, options: options)
    }
    return (store, dir)
}

func rollup(_ store: Store, by: [String] = [], interval: BucketInterval = .total, zone: String = "US/Pacific",
            from: String? = nil, to: String? = nil, metrics: [String] = ["totalSessions"], report: String = "viewershipAnalytics",
            approximate: Bool = false) throws -> [[String]] {
    var q = AggregateQuery()
    q.by = by
    q.interval = interval
    q.zone = zone
    q.from = from
    q.to = to
    q.metrics = metrics
    q.report = report
    q.approximateZone = approximate
    return try AggregateEngine.run(q, store: store).rows.map { $0.map(ResultRenderer.text) }
}

/// Hourly rows of one local day in `zone`, one session per hour plus the hour's index in minutes.
func hourlyCSV(days: [String], zone: ZoneOffsets, device: String? = nil) -> String {
    var csv = "time," + (device == nil ? "" : "deviceType,") + "numberOfSession,viewershipMinutes\n"
    for day in days {
        guard let label = localMidnight(of: day) else { continue }
        // Every instant whose local date is `day`, hour by hour (23, 24 or 25 of them).
        var t = label - 14 * 3600
        while t < label + 38 * 3600 {
            let local = t + zone.offset(atUTC: t)
            if local >= label && local < label + 86400 {
                let h = (local - label) / 3600
                csv += "\(CivilTime.format(local))," + (device.map { "\($0)," } ?? "") + "1,\(h)\n"
            }
            t += 3600
        }
    }
    return csv
}

func localMidnight(of day: String) -> Int64? {
    let p = day.split(separator: "-").compactMap { Int($0) }
    guard p.count == 3 else { return nil }
    return Int64(CivilTime.days(year: p[0], month: p[1], day: p[2])) * 86400
}

@Suite struct AggregateSemanticsTests {
    @Test func pacificHoursMakeEasternDaysOf23And25Hours() throws {
        let pacific = try ZoneOffsets(named: "US/Pacific")
        // 2024-03-10 (spring forward) and 2024-11-03 (fall back, the 01:00 hour twice), with neighbours.
        let days = ["2024-03-09", "2024-03-10", "2024-03-11", "2024-11-02", "2024-11-03", "2024-11-04"]
        let (store, dir) = try storeOf([("h.csv", hourlyCSV(days: days, zone: pacific), [:])])
        defer { try? FileManager.default.removeItem(at: dir) }
        // Pacific days: 24, 23, 24, 24, 25, 24 hourly rows.
        let pacificDays = try rollup(store, interval: .day)
        #expect(pacificDays.map { $0[1] } == ["24", "23", "24", "24", "25", "24"])
        // Eastern days are 3 hours ahead: each Eastern day takes 3 hours from the Pacific day before.
        let eastern = try rollup(store, interval: .day, zone: "US/Eastern", from: "2024-03-10", to: "2024-03-10")
        #expect(eastern == [["2024-03-10 00:00:00", "23"]])
        let easternFall = try rollup(store, interval: .day, zone: "US/Eastern", from: "2024-11-03", to: "2024-11-03")
        #expect(easternFall == [["2024-11-03 00:00:00", "25"]])
        // The repeated 01:00 hour is two buckets, in order.
        let hours = try rollup(store, interval: .hour, from: "2024-11-03", to: "2024-11-03", metrics: ["totalViewershipMinutes"])
        #expect(hours.count == 25)
        #expect(hours[1] == ["2024-11-03 01:00:00", "1"] && hours[2] == ["2024-11-03 01:00:00", "1"])
        #expect(hours[3] == ["2024-11-03 02:00:00", "2"])
    }

    @Test func dailyRowsOfAnotherZoneNeedHourlyDataOrAnApproximation() throws {
        let (store, dir) = try storeOf([("d.csv", "time,numberOfSession\n2024-05-01,10\n2024-05-02,20\n", [:])])
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try rollup(store, interval: .day) == [["2024-05-01 00:00:00", "10"], ["2024-05-02 00:00:00", "20"]])
        do {
            _ = try rollup(store, interval: .day, zone: "US/Eastern")
            Issue.record("expected an error")
        } catch let e as ColanError {
            #expect(e.message.contains("cannot be re-bucketed into US/Eastern days"))
            #expect(e.hint?.hasPrefix("hourly data is needed") == true)
        }
        #expect(try rollup(store, interval: .day, zone: "US/Eastern", approximate: true) == [["2024-05-01 00:00:00", "10"], ["2024-05-02 00:00:00", "20"]])
        // Hour buckets cannot come from daily rows at all.
        #expect(throws: ColanError.self) { try rollup(store, interval: .hour) }
        // Totals without a date range do not depend on the zone.
        #expect(try rollup(store, zone: "US/Eastern") == [["30"]])
    }

    @Test func weeksStartMondayAndMonthsHaveTheirDays() throws {
        var csv = "time,numberOfSession\n"
        for d in 1...31 { csv += "2024-01-\(d < 10 ? "0" : "")\(d),\(d)\n" }
        let (store, dir) = try storeOf([("m.csv", csv, [:])])
        defer { try? FileManager.default.removeItem(at: dir) }
        let weeks = try rollup(store, interval: .week, metrics: ["totalSessions", "dailyAverageSessionCount"])
        // 2024-01-01 was a Monday.
        #expect(weeks.first == ["2024-01-01 00:00:00", "28", "4"])
        // The last week holds 3 days of data but is 7 days long.
        #expect(weeks.last == ["2024-01-29 00:00:00", "90", "12.86"])
        let months = try rollup(store, interval: .month, metrics: ["totalSessions", "dailyAverageSessionCount"])
        #expect(months == [["2024-01-01 00:00:00", "496", "16"]])
        // A total over a range divides by the range's days.
        #expect(try rollup(store, from: "2024-01-01", to: "2024-01-10", metrics: ["dailyAverageSessionCount"]) == [["5.5"]])
    }

    @Test func aWeeklyReportOverlappingDailyOnesIsNotCountedTwice() throws {
        var daily = "time,numberOfSession\n"
        for d in 1...7 { daily += "2024-01-0\(d),10\n" }
        let (dailyStore, dir) = try storeOf([("daily.csv", daily, [:])])
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = ImportOptions()
        options.interval = "WEEKLY"
        options.zone = "US/Pacific"
        let store = try importTexts([("weekly.csv", "time,numberOfSession\n2024-01-01,75\n")], into: dailyStore.path, options: options)
        // The weekly row answers the week (the vendor's revised total); daily rows answer days.
        #expect(try rollup(store) == [["75"]])
        #expect(try rollup(store, interval: .week) == [["2024-01-01 00:00:00", "75"]])
        #expect(try rollup(store, interval: .day).count == 7)
    }

    @Test func historiesOfDifferentChannelsAndDaysNeverHideEachOther() throws {
        // An All-channels report for March 1 only; per-channel reports for March 1 and 2.
        let (store, dir) = try storeOf([
            ("all.csv", "time,numberOfSession\n2024-03-01,100\n", [:]),
            ("ch1.csv", "time,numberOfSession\n2024-03-01,60\n2024-03-02,61\n", ["channelId": "ch1"]),
            ("ch2.csv", "time,numberOfSession\n2024-03-01,40\n2024-03-02,41\n", ["channelId": "ch2"]),
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        // Totals: March 1 from the All report, March 2 from the channel reports.
        #expect(try rollup(store, interval: .day) == [["2024-03-01 00:00:00", "100"], ["2024-03-02 00:00:00", "102"]])
        #expect(try rollup(store) == [["202"]])
        #expect(try rollup(store, by: ["channelId"]) == [["ch1", "121"], ["ch2", "81"]])
    }

    @Test func channelNamesComeFromTheImportedChannelList() throws {
        let (channels, dir) = try storeOf([
            ("ch1.csv", "time,numberOfSession\n2024-03-01,6\n", ["channelId": "star111-sports-hd"]),
            ("ch2.csv", "time,numberOfSession\n2024-03-01,4\n", ["channelId": "star122-flix-hd"]),
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let list = "{\"viewershipChannels\": [{\"channelName\": \"Star Sports\", \"channelId\": \"star111-sports-hd\"}, {\"channelName\": \"Start Flix\", \"channelId\": \"star122-flix-hd\"}]}"
        let store = try importTexts([("channels.json", list)], into: channels.path)
        #expect(try rollup(store, by: ["channelName"]) == [["Star Sports", "6"], ["Start Flix", "4"]])
    }

    @Test func gaugesSumPerInstantThenTakeMaxAvgAndP95() throws {
        var csv = "time,channelId,concurrentUsers\n"
        for m in 0..<20 {
            let t = "2024-06-01T10:\(m < 10 ? "0" : "")\(m):00Z"
            csv += "\(t),a,\(m)\n\(t),b,100\n"
        }
        let (store, dir) = try storeOf([("cu.csv", csv, [:])], zone: "UTC")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = try rollup(store, zone: "UTC", metrics: ["concurrentUsers"], report: "concurrentUsers")
        // Per instant: 100 + m for m in 0..<20: max 119, average 109.5, p95 (19th of 20) 118.
        #expect(rows == [["119", "109.5", "118"]])
        let byChannel = try rollup(store, by: ["channelId"], zone: "UTC", metrics: ["concurrentUsers"], report: "concurrentUsers")
        #expect(byChannel == [["a", "19", "9.5", "18"], ["b", "100", "100", "100"]])
    }

    @Test func uniqueViewersAreExactOnlyAtTheirOwnCuboidAndInterval() throws {
        let (store, dir) = try storeOf([
            ("d.csv", "time,deviceType,uniqueViewers,numberOfSession\n2024-03-01,Roku,5,9\n2024-03-01,Tablet,3,4\n2024-03-02,Roku,6,8\n", [:]),
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try rollup(store, by: ["deviceType"], interval: .day, metrics: ["aggregatedViewers"])
            == [["2024-03-01 00:00:00", "Roku", "5"], ["2024-03-01 00:00:00", "Tablet", "3"], ["2024-03-02 00:00:00", "Roku", "6"]])
        // Across devices, or across days: only a bound; a day holding one device's row is that row's count.
        #expect(try rollup(store, interval: .day, metrics: ["aggregatedViewers"]) == [["2024-03-01 00:00:00", "<=8"], ["2024-03-02 00:00:00", "6"]])
        #expect(try rollup(store, by: ["deviceType"], metrics: ["aggregatedViewers"]) == [["Roku", "<=11"], ["Tablet", "3"]])
    }

    @Test func aUniqueViewersReportOfTheBucketMakesViewersExact() throws {
        let (store, dir) = try storeOf([
            ("h.csv", "time,deviceType,uniqueViewers,numberOfSession\n2024-03-01 10:00:00,Roku,5,9\n2024-03-01 11:00:00,Roku,4,6\n2024-03-02 10:00:00,Roku,2,2\n", [:]),
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try rollup(store, interval: .day, metrics: ["aggregatedViewers"]) == [["2024-03-01 00:00:00", "<=9"], ["2024-03-02 00:00:00", "<=2"]])
        let json = "{\"dateRange\": {\"interval\": \"DAILY\"}, \"uniqueViewersAnalytics\": [{\"time\": \"2024-03-01\", \"uniqueViewers\": 7}]}"
        let withCount = try importTexts([("uv.json", json)], into: store.path)
        // March 1 is exact from the unique-viewers report (and so is the ratio built on it); March 2 stays a bound.
        #expect(try rollup(withCount, interval: .day, metrics: ["aggregatedViewers", "avgSessionPerViewer"])
            == [["2024-03-01 00:00:00", "7", "2.14"], ["2024-03-02 00:00:00", "<=2", ">=1"]])
    }
}
