import ColanCore
import Foundation
import Testing

/// Every file in SampleData/ (one of each source kind) imports with the
/// metadata a user of that export would expect.
@Suite struct SampleDataTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("SampleData")

    func reports(_ name: String) throws -> [ImportedReport] {
        try ReportImporter.importFile(Self.folder.appendingPathComponent(name).path, options: ImportOptions())
    }

    @Test func everySourceKindImportsWithItsMetadata() throws {
        // (file, kind, interval, zone, specific dimensions, rows)
        let expected: [(String, String, String, String, [String], Int)] = [
            ("amagi-viewership-daily.json", "viewershipAnalytics", "DAILY", "US/Pacific", [], 1),
            ("amagi-viewership-hourly.json", "viewershipAnalytics", "HOURLY", "US/Pacific", ["channelId"], 4),
            ("amagi-v1-hourly-by-device.csv", "viewershipAnalytics", "HOURLY", "US/Pacific", ["deviceType"], 144),
            ("amagi-content-daily-page1.json", "contentAnalytics", "DAILY", "US/Pacific", ["contentId", "contentName"], 2),
            ("amagi-content-daily-page2.json", "contentAnalytics", "DAILY", "US/Pacific", ["contentId", "contentName"], 1),
            ("amagi-concurrent-users.json", "concurrentUsers", "INSTANT", "UTC", [], 4),
            ("amagi-ad-analytics.json", "adAnalytics", "DAILY", "US/Pacific", [], 2),
            ("amagi-ad-content-analytics.json", "adContentAnalytics", "DAILY", "US/Pacific", ["contentId"], 2),
            ("amagi-unique-viewers-weekly.json", "uniqueViewersAnalytics", "WEEKLY", "US/Pacific", [], 1),
            ("mediamelon-metrics.json", "smartsight", "HOURLY", "UTC", ["cdn"], 3),
            ("mediamelon-alerts.json", "generic", "INSTANT", "UTC", ["alertId", "metric", "severity"], 2),
            ("generic-report.csv", "generic", "DAILY", "US/Pacific", ["Campaign"], 2),
            // The shapes real responses have (RealShapesTests checks their totals).
            ("amagi-real-viewership-hourly.json", "viewershipAnalytics", "HOURLY", "US/Pacific", ["channelId"], 2),
            ("amagi-real-content.json", "contentAnalytics", "DAILY", "US/Pacific",
             ["channelId", "contentId", "contentName", "seriesName", "studioName"], 2),
            ("amagi-real-ad-analytics.json", "adAnalytics", "DAILY", "US/Pacific", ["channelId"], 2),
            ("amagi-real-ad-content.json", "adContentAnalytics", "DAILY", "US/Pacific", ["channelId", "contentId", "contentName", "studioName"], 2),
            ("amagi-real-concurrent-users.json", "concurrentUsers", "INSTANT", "UTC", ["channelId"], 4),
            // A weekly request's rows are days: one step finer than the period.
            ("amagi-real-unique-viewers-weekly.json", "uniqueViewersAnalytics", "DAILY", "US/Pacific", ["channelId"], 7),
        ]
        for (file, kind, interval, zone, dims, rows) in expected {
            let r = try reports(file)
            #expect(r.count == 1, "\(file)")
            guard let report = r.first else { continue }
            #expect(report.kind == kind, "\(file)")
            #expect(report.interval == interval, "\(file)")
            #expect(report.zone == zone, "\(file)")
            #expect(report.specificDimensions == dims, "\(file)")
            #expect(report.table.rowCount == rows, "\(file)")
        }
        #expect(try reports("amagi-v1-empty-download.csv").isEmpty)
        #expect(try reports("amagi-channel-list.json").map(\.kind) == ["viewershipChannels", "adAnalyticsChannels"])
    }

    @Test func adMetricsAreAdditiveAndGaugesAreGauges() throws {
        let ad = try reports("amagi-ad-analytics.json")[0].table.schema
        #expect(ad.columns.first { $0.name == "impressions" }?.role == .metric(.additive))
        let cu = try reports("amagi-concurrent-users.json")[0].table.schema
        #expect(cu.columns.first { $0.name == "concurrentUsers" }?.role == .metric(.gauge))
    }

    @Test func aResponseCarryingItsRequestURLGetsItsFilters() throws {
        let json = "{\"url\": \"https://api-analytics.amagi.tv/api/v2?type=viewershipAnalytics&channelId=star122-flix-hd&deviceType=Smart%20TV&timezone=US/Eastern\", \"viewershipAnalytics\": [{\"time\": \"2021-09-01 00:00:00\", \"numberOfSession\": 3}]}"
        let r = try importText(json)[0]
        #expect(r.fixed == ["channelId": "star122-flix-hd", "deviceType": "Smart TV"])
        #expect(r.zone == "US/Eastern")
        #expect(r.totals["url"] == nil)
    }
}
