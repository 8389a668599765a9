import ColanCore
import Foundation
import Testing

/// `colan report`: one self-contained page whose every number is the engine's.
@Suite struct ReportTests {
    /// A store of every SampleData file, as `make demo` builds it.
    func sampleStore() throws -> (Store, URL) {
        let folder = SampleDataTests.folder
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasSuffix(".url") }.sorted()
        let reports = try files.flatMap { try ReportImporter.importFile(folder.appendingPathComponent($0).path, options: ImportOptions()) }
        return try makeStore(reports)
    }

    func request(_ store: Store) -> ReportData.Request {
        var r = ReportData.Request(store: store.path)
        r.from = "2021-08-30"
        r.to = "2021-10-21"
        return r
    }

    @Test func everyFigureIsTheEnginesAnswer() throws {
        let (store, dir) = try sampleStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try ReportData.gather(request(store), store: store)
        var q = AggregateQuery()
        q.from = "2021-08-30"
        q.to = "2021-10-21"
        let total = try AggregateEngine.run(q, store: store)
        for figure in data.figures where total.columns.contains(figure.name) {
            #expect(figure.value == total.rows[0][total.columns.firstIndex(of: figure.name)!], "\(figure.name)")
        }
        #expect(data.figures.map(\.name).contains("aggregatedViewers"))
        #expect(data.figures.map(\.name).contains("concurrentUsersMax"))
        // Top content is `agg --report contentAnalytics --by contentId,contentName --sort totalViewershipMinutes --limit 20 --share`.
        var content = q
        content.report = "contentAnalytics"
        content.by = ["contentId", "contentName"]
        content.metrics = ["totalViewershipMinutes", "avgSessionDuration", "totalSessions"]
        content.sort = [.init(column: "totalViewershipMinutes", descending: true)]
        content.limit = 20
        content.share = true
        let top = try #require(data.rankings.first { $0.title.hasPrefix("Top content") })
        #expect(top.result.rows == (try AggregateEngine.run(content, store: store)).rows)
        // The funnel's steps are the ad totals.
        var ad = q
        ad.report = "adAnalytics"
        let funnel = try AggregateEngine.run(ad, store: store)
        #expect(data.funnel?.steps.map { ResultValue.integer($0.value) } == Array(funnel.rows[0].prefix(5)))
        // Daily minutes by device add up to the device cuboid's minutes.
        var devices = q
        devices.by = ["deviceType"]
        devices.metrics = ["totalViewershipMinutes"]
        let perDevice = try AggregateEngine.run(devices, store: store).rows.compactMap { row -> Double? in
            if case .integer(let v) = row[1] { Double(v) } else { nil }
        }.reduce(0, +)
        let charted = data.dailyMinutes?.series.flatMap { $0.values.compactMap { $0 } }.reduce(0, +)
        #expect(charted == perDevice)
    }

    @Test func thePageIsSelfContainedAndShowsItsNumbersAsText() throws {
        let (store, dir) = try sampleStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = ReportPage.render(try ReportData.gather(request(store), store: store), now: 1_764_979_200)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(!page.contains("<script"))
        for remote in ["http://", "https://", "src=", "@import", "url("] { #expect(!page.contains(remote), "\(remote)") }
        for section in ["Key figures", "Daily viewership minutes by deviceType", "Minutes by hour and weekday (US/Pacific)",
                        "Concurrent users", "Top content by minutes", "Ad funnel", "Data coverage"] {
            #expect(page.contains("<h2>\(section)</h2>"), "\(section)")
        }
        // Minutes as a card, a bound marked as one, the peak marked on the curve, every chart mark with a <title>.
        #expect(page.contains("data-metric=\"totalViewershipMinutes\">248,605<"))
        #expect(page.contains("data-metric=\"aggregatedViewers\">≤ 6,409 <span class=\"bound\">(at most: an upper bound)"))
        #expect(page.contains("<title>peak 498 at 2021-09-01 11:00:00</title>"))
        #expect(page.contains("<title>2021-09-01 Roku: 83,434 minutes</title>"))
        #expect(page.contains("prefers-color-scheme:dark") && page.contains("@media print"))
        #expect(page.contains("colan \(ColanVersion.string)") && page.contains("2025-12-06 00:00:00 UTC"))
    }

    @Test func aStoreWithoutAReportLeavesItsSectionOut() throws {
        let (store, dir) = try makeStore(try ReportImporter.importFile(SampleDataTests.folder.appendingPathComponent("amagi-real-ad-analytics.json").path,
                                                                        options: ImportOptions()))
        defer { try? FileManager.default.removeItem(at: dir) }
        var r = ReportData.Request(store: store.path)
        r.to = nil
        let data = try ReportData.gather(r, store: store)
        // The last 28 days the store holds end on its newest day.
        #expect(data.days == (try ResultShapingDays.day("2021-09-23"))...(try ResultShapingDays.day("2021-10-20")))
        #expect(data.figures.isEmpty && data.dailyMinutes == nil && data.heatMap == nil && data.concurrency == nil)
        #expect(data.funnel?.steps.map(\.value) == [27, 15, 14, 17, 13])
        let page = ReportPage.render(data, now: 0)
        #expect(!page.contains("Key figures") && page.contains("Ad funnel") && page.contains("76.47%"))
    }
}

/// Local day numbers of dates, for the tests.
enum ResultShapingDays {
    static func day(_ text: String) throws -> Int64 {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        return Int64(CivilTime.days(year: parts[0], month: parts[1], day: parts[2]))
    }
}
