import ColanCore
import Foundation
import Testing

/// The shapes real Amagi responses have (../shared/reference/amagi-real-shapes.md), one
/// SampleData file each: imported as their report kind, and answering their own totals block
/// through the same engine as `colan agg`, and through `colan verify`.
@Suite struct RealShapesTests {
    static let folder = SampleDataTests.folder

    func imported(_ name: String) throws -> [ImportedReport] {
        try ReportImporter.importFile(Self.folder.appendingPathComponent(name).path, options: ImportOptions())
    }

    /// The response's own top-level numbers, read by Foundation's JSON parser (not colan's).
    func totalsBlock(_ name: String) throws -> [String: Double] {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent(name))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }

    /// A store holding the given SampleData files (their .url sidecars read as `colan import` reads them).
    func storeOf(_ names: [String]) throws -> (Store, URL) {
        try makeStore(names.flatMap { try imported($0) })
    }

    func value(_ result: AggregateResult, _ column: String, row: Int = 0) -> ResultValue? {
        guard let i = result.columns.firstIndex(of: column), row < result.rows.count else { return nil }
        return result.rows[row][i]
    }

    func number(_ v: ResultValue?) -> Double? {
        switch v {
        case .integer(let i): Double(i)
        case .decimal(let d): d
        default: nil
        }
    }

    @Test func fieldsAreReadUnderTheirMeaning() throws {
        func role(_ file: String, _ column: String) throws -> ColumnRole? {
            try imported(file)[0].table.schema.columns.first { $0.name == column }?.role
        }
        // numberOfViewers is the viewer count; content rows' totalSessions are sessions.
        #expect(try role("amagi-real-viewership-hourly.json", "uniqueViewers") == .metric(.distinctCount))
        #expect(try role("amagi-real-content.json", "numberOfSession") == .metric(.additive))
        // Ad content fields with a "total" prefix are the funnel counts; conversion rates are ratios.
        for file in ["amagi-real-ad-analytics.json", "amagi-real-ad-content.json"] {
            for count in ["adOpportunities", "adRequests", "adResponses", "adAssets", "impressions"] {
                #expect(try role(file, count) == .metric(.additive), "\(file) \(count)")
            }
            #expect(try role(file, "conversionRate") == .metric(.derived), "\(file)")
        }
        #expect(try role("amagi-real-concurrent-users.json", "concurrentUsers") == .metric(.gauge))
        #expect(try role("amagi-real-concurrent-users.json", "viewerCount") == nil)
    }

    @Test func viewershipResponseAnswersItsTotals() throws {
        let file = "amagi-real-viewership-hourly.json"
        let (store, dir) = try storeOf([file])
        defer { try? FileManager.default.removeItem(at: dir) }
        let totals = try totalsBlock(file)
        var q = AggregateQuery()
        q.from = "2021-10-10"
        q.to = "2021-10-21"
        q.metrics = ["totalSessions", "totalViewershipMinutes", "aggregatedViewers", "avgSessionDuration", "avgSessionPerViewer",
                     "hourlyAverageNumberOfViewers", "hourlyAverageSessionCount", "hourlyAverageViewershipMinutes"]
        let result = try AggregateEngine.run(q, store: store)
        // aggregatedViewers is the vendor's exact count (4), not the rows' sum (5), and unmarked.
        #expect(value(result, "aggregatedViewers") == .integer(4))
        for metric in q.metrics {
            let expected = try #require(totals[metric], "\(metric)")
            #expect(number(value(result, metric)) == expected, "\(metric)")
        }
        let verify = store.verify()
        #expect(verify.sourcesChecked == 1)
        #expect(verify.differences.isEmpty, "\(verify.differences)")
    }

    @Test func adResponsesAnswerTheirFunnelAndConversionRate() throws {
        let names = ["totalAdOpportunitiesDetected", "totalAdRequestsSent", "totalAdResponsesReceived", "totalAdAssetsReceived",
                     "totalImpressionsRecorded"]
        for (file, kind) in [("amagi-real-ad-analytics.json", "adAnalytics"), ("amagi-real-ad-content.json", "adContentAnalytics")] {
            let (store, dir) = try storeOf([file])
            defer { try? FileManager.default.removeItem(at: dir) }
            var q = AggregateQuery()
            q.report = kind
            let result = try AggregateEngine.run(q, store: store)
            #expect(result.columns == names + ["conversionRate"])
            if kind == "adAnalytics" {
                let totals = try totalsBlock(file)
                for name in names { #expect(number(value(result, name)) == totals[name], "\(name)") }
                // 13 impressions of 17 assets: 76.47 as shown, recomputed (the rows' rates 88.89 and 62.5 are not averaged).
                #expect(ResultRenderer.render(result, as: .csv).hasSuffix(",17,13,76.47\n"))
            } else {
                #expect(ResultRenderer.render(result, as: .csv).hasSuffix("16,10,9,13,10,76.92\n"))
            }
            #expect(store.verify().differences.isEmpty)
        }
    }

    @Test func uniqueViewersHeadlineIsExactForItsWeekOnly() throws {
        let (store, dir) = try storeOf(["amagi-real-unique-viewers-weekly.json"])
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.report = "uniqueViewersAnalytics"
        q.metrics = ["uniqueViewers"]
        q.from = "2021-10-10"
        q.to = "2021-10-16"
        // The week asked for (Sunday to Saturday) is the headline, exact.
        #expect(try AggregateEngine.run(q, store: store).rows == [[.integer(3861)]])
        q.filters = ["channelId": ["star122-flix-hd"]]
        #expect(try AggregateEngine.run(q, store: store).rows == [[.integer(3861)]])
        // Six of its days are not the week: the sum of the daily counts, a bound.
        q.to = "2021-10-15"
        #expect(try AggregateEngine.run(q, store: store).rows == [[.bound(4867, upper: true)]])
        // Its rows are exact at their own grain, for their slice.
        q.to = "2021-10-16"
        q.interval = .day
        let days = try AggregateEngine.run(q, store: store).rows
        #expect(days.count == 7)
        #expect(days.first == [.text("2021-10-10 00:00:00"), .integer(1041)])
        // An ISO week (Monday to Sunday) is not the week asked for.
        q.interval = .week
        q.from = nil
        q.to = nil
        q.filters = [:]
        #expect(try AggregateEngine.run(q, store: store).rows.allSatisfy { if case .bound = $0[1] { true } else { false } })
        #expect(store.verify().differences.isEmpty)
    }

    @Test func aWeeklyHeadlineAnswersViewershipOfTheSameSliceAndWeek() throws {
        let viewership = """
            {"viewershipAnalytics":[{"time":"2021-10-10 00:00:00","numberOfViewers":1041,"numberOfSession":1700,"viewershipMinutes":8000},
            {"time":"2021-10-11 00:00:00","numberOfViewers":802,"numberOfSession":1200,"viewershipMinutes":6500}]}
            """
        var options = ImportOptions()
        options.fixed = ["channelId": "star122-flix-hd"]
        let (store, dir) = try makeStore(try importText(viewership, options: options) + imported("amagi-real-unique-viewers-weekly.json"))
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.metrics = ["aggregatedViewers"]
        q.from = "2021-10-10"
        q.to = "2021-10-16"
        q.filters = ["channelId": ["star122-flix-hd"]]
        #expect(try AggregateEngine.run(q, store: store).rows == [[.integer(3861)]])
        q.filters = ["channelId": ["another-channel"]]
        #expect(try AggregateEngine.run(q, store: store).rows.isEmpty)
    }

    @Test func contentRowsKeepTheirNamesAndAnswerTopContent() throws {
        let (store, dir) = try storeOf(["amagi-real-content.json"])
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.report = "contentAnalytics"
        q.by = ["contentId", "contentName", "seriesName"]
        q.filters = ["channelId": ["star122-flix-hd"]]
        q.metrics = ["totalSessions", "totalViewershipMinutes", "aggregatedViewers"]
        // Names describe the content: grouping by them with contentId keeps the rows' own grain (exact viewers).
        #expect(try AggregateEngine.run(q, store: store).rows == [
            [.text("ep-4411"), .text("Alpine Week 3"), .text(""), .integer(9), .integer(212), .integer(7)],
            [.text("ep-4412"), .text("Alpine Week 4"), .text("Alpine"), .integer(5), .integer(61), .integer(4)],
        ])
        let verify = store.verify()
        #expect(verify.sourcesChecked == 1)
        #expect(verify.differences.isEmpty)
    }

    @Test func verifyNamesTotalsTheRowsDoNotGive() throws {
        let json = """
            {"adAnalytics":[{"time":"2021-10-20 00:00:00","adOpportunitiesDetected":12,"adRequestsSent":6,"adResponsesReceived":6,
            "adAssetsReceived":8,"impressionsRecorded":5,"conversionRate":62.5}],
            "totalAdOpportunitiesDetected":12,"totalAdRequestsSent":7,"totalAdResponsesReceived":6,
            "totalAdAssetsReceived":8,"totalImpressionsRecorded":5,"totalConversionRate":70}
            """
        let (store, dir) = try makeStore(try importText(json, name: "ad.json"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let differences = store.verify().differences
        #expect(differences.count == 2)
        #expect(differences.contains { $0.contains("totalAdRequestsSent is 7") && $0.contains("add up to 6") })
        #expect(differences.contains { $0.contains("totalConversionRate is 70") && $0.contains("62.5") })
    }

    @Test func vendorErrorsAreRefusedWithStatusAndMessage() throws {
        let bodies = [
            ("{\"statusCode\":422,\"error\":\"Unprocessable Entity\",\"message\":\"customer_id or channel_id should be sent in query\"}",
             ["422", "Unprocessable Entity", "customer_id or channel_id should be sent in query"]),
            ("{\"statusCode\":403,\"error\":\"Forbidden\",\"message\":\"Invalid header access-token\"}",
             ["403", "Forbidden", "Invalid header access-token"]),
            ("{\"message\":\"Unauthorized\"}", ["Unauthorized"]),
            ("<!DOCTYPE html>\n<html><head><TITLE>502 Bad Gateway</TITLE></head><body></body></html>", ["HTML page", "502 Bad Gateway"]),
        ]
        for (body, parts) in bodies {
            do {
                _ = try importText(body, name: "viewership.json")
                Issue.record("imported an error body: \(body)")
            } catch let error as ColanError {
                for part in parts { #expect(error.description.contains(part), "\(error.description)") }
            }
        }
    }

    @Test func reportsOfOneKindWithDifferentColumnsStillAnswer() throws {
        let (store, dir) = try storeOf(["amagi-ad-content-analytics.json", "amagi-real-ad-content.json"])
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.report = "adContentAnalytics"
        q.by = ["contentId"]
        q.metrics = ["totalAdOpportunitiesDetected", "totalAdRequestsSent"]
        let result = try AggregateEngine.run(q, store: store)
        // The reference-shaped report has no ad requests: empty for its rows, counted for the others.
        #expect(result.rows == [
            [.text("EP-1001"), .integer(1210), .none], [.text("EP-1002"), .integer(860), .none],
            [.text("ff-22"), .integer(12), .integer(6)], [.text("ff-23"), .integer(4), .integer(4)],
        ])
        #expect(result.notes.contains { $0.contains("'adRequests'") })
        #expect(result.explain.contains { $0.contains("without 'adRequests'") && $0.contains(".colan") })
    }

    @Test func aKindNotImportedIsSaidPlainly() throws {
        let (store, dir) = try storeOf(["amagi-real-viewership-hourly.json"])
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.report = "contentAnalytics"
        do {
            _ = try AggregateEngine.run(q, store: store)
            Issue.record("answered a kind the store lacks")
        } catch let error as ColanError {
            #expect(error.message == "no contentAnalytics reports imported yet")
            #expect(!(error.hint ?? "").contains("did you mean 'contentAnalytics'"))
        }
    }

    @Test func smartsightAndGenericShowEveryNumericColumn() throws {
        let (store, dir) = try storeOf(["mediamelon-metrics.json"])
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.report = "smartsight"
        q.by = ["cdn"]
        let result = try AggregateEngine.run(q, store: store)
        #expect(result.columns == ["cdn", "viewercount", "playtime", "rebufferingratioRowAvg"])
        // akamai: two rows, rebuffering 0.42 and 0.38 -> their mean.
        #expect(ResultRenderer.render(result, as: .csv).split(separator: "\n")[1] == "akamai,2515,111324,0.4")
    }

    @Test func aCustomerWideReportIsReadWithItsScope() throws {
        let json = """
            {"url":"https://api-analytics.amagi.tv/api/v2?type=viewershipAnalytics&startDate=2021-10-12&endDate=2021-10-12&interval=DAILY&customerId=acme",
             "viewershipAnalytics":[{"time":"2021-10-12 00:00:00","numberOfViewers":30,"numberOfSession":40,"viewershipMinutes":500}],
             "totalSessions":40,"totalViewershipMinutes":500,"aggregatedViewers":30}
            """
        let customer = try importText(json)
        #expect(customer[0].fixed == ["customerId": "acme"])
        var options = ImportOptions()
        options.fixed = ["channelId": "acme-1"]
        let channel = try importText("time,numberOfSession,viewershipMinutes,uniqueViewers\n2021-10-12,25,300,20\n", name: "c.csv", options: options)
        let (store, dir) = try makeStore(customer + channel)
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.metrics = ["totalSessions"]
        q.filters = ["customerId": ["acme"]]
        #expect(try AggregateEngine.run(q, store: store).rows == [[.integer(40)]])
        // Unfiltered, both are read and the answer says the channel's viewing may count twice.
        q.filters = [:]
        #expect(try AggregateEngine.run(q, store: store).notes.contains { $0.contains("customer-wide") })
    }

    @Test func aDailyUniqueViewersRequestIsItsDayOfHours() throws {
        let hours = (0..<24).map { h in
            "{\"time\":\"2021-10-12 \(h < 10 ? "0" : "")\(h):00:00\",\"uniqueViewers\":\(100 + h),\"sessionPerViewer\":1.5,\"sessionDurationPerViewer\":7}"
        }
        let json = "{\"dailyUniqueViewers\":1500,\"dailyAvgSessionPerViewer\":2.1,\"dailyAvgSessionDurationPerViewer\":9.5,"
            + "\"uniqueViewerAnalytics\":[" + hours.joined(separator: ",") + "]}"
        let reports = try importText(json, name: "uv-daily.json")
        #expect(reports[0].kind == "uniqueViewersAnalytics")
        #expect(reports[0].interval == "HOURLY")
        let (store, dir) = try makeStore(reports)
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.report = "uniqueViewersAnalytics"
        q.metrics = ["uniqueViewers"]
        q.interval = .day
        // No URL and no dateRange: the day of its hours is the period the headline counts.
        #expect(try AggregateEngine.run(q, store: store).rows == [[.text("2021-10-12 00:00:00"), .integer(1500)]])
        q.interval = .total
        q.from = "2021-10-12"
        q.to = "2021-10-12"
        #expect(try AggregateEngine.run(q, store: store).rows == [[.integer(1500)]])
        // In another zone the day is other hours: a bound.
        q.zone = "US/Eastern"
        #expect(try AggregateEngine.run(q, store: store).rows.allSatisfy { if case .bound = $0[0] { true } else { false } })
        #expect(store.verify().differences.isEmpty)
    }

    @Test func aConcurrentUsersArrayWithADimensionIsStillConcurrentUsers() throws {
        let json = "[{\"time\":\"2022-01-23T12:15:00.000Z\",\"viewerCount\":531,\"channelId\":\"c1\"},"
            + "{\"time\":\"2022-01-23T12:15:00.000Z\",\"viewerCount\":100,\"channelId\":\"c2\"}]"
        let report = try importText(json)[0]
        #expect(report.kind == "concurrentUsers")
        #expect(report.zone == "UTC")
        let (store, dir) = try makeStore([report])
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.report = "concurrentUsers"
        q.metrics = ["concurrentUsersMax"]
        // Summed across channels at the same instant.
        #expect(try AggregateEngine.run(q, store: store).rows == [[.integer(631)]])
        // A count column that is not a count is refused.
        #expect(throws: ColanError.self) { try importText("[{\"time\":\"2022-01-23T12:15:00.000Z\",\"viewerCount\":-3}]") }
    }

    @Test func customersNeverMixAndACustomerWideReportAnswersForItsChannels() throws {
        func viewership(_ scope: String, sessions: Int) -> String {
            "{\"url\":\"https://api-analytics.amagi.tv/api/v2?type=viewershipAnalytics&startDate=2021-10-12&endDate=2021-10-12&interval=DAILY&\(scope)\","
                + "\"viewershipAnalytics\":[{\"time\":\"2021-10-12 00:00:00\",\"numberOfViewers\":10,\"numberOfSession\":\(sessions),\"viewershipMinutes\":100}]}"
        }
        let reports = try importText(viewership("customerId=acme", sessions: 50))
            + importText(viewership("customerId=acme&channelId=acme-1", sessions: 30))
            + importText(viewership("customerId=acme&channelId=acme-2", sessions: 20))
            + importText(viewership("customerId=zenith", sessions: 7))
        let (store, dir) = try makeStore(reports)
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.metrics = ["totalSessions"]
        q.by = ["customerId"]
        // Each customer's own report answers for it; acme's channels are not added on top.
        #expect(try AggregateEngine.run(q, store: store).rows == [[.text("acme"), .integer(50)], [.text("zenith"), .integer(7)]])
        q.by = ["channelId"]
        q.filters = ["customerId": ["acme"]]
        #expect(try AggregateEngine.run(q, store: store).rows == [[.text("acme-1"), .integer(30)], [.text("acme-2"), .integer(20)]])
        q.by = []
        q.filters = [:]
        let total = try AggregateEngine.run(q, store: store)
        #expect(total.rows == [[.integer(57)]])
        #expect(total.notes.isEmpty)
    }

    @Test func aURLWithDatesInAnotherFormIsStillImported() throws {
        let json = """
            {"url":"https://api-analytics.amagi.tv/api/v2?type=viewershipAnalytics&startDate=2021/10/12&endDate=2021/10/12&channelId=c9",
             "viewershipAnalytics":[{"time":"2021-10-12 00:00:00","numberOfViewers":30,"numberOfSession":40,"viewershipMinutes":500}],
             "totalSessions":40,"totalViewershipMinutes":500,"aggregatedViewers":30}
            """
        let (store, dir) = try makeStore(try importText(json))
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.metrics = ["aggregatedViewers"]
        // The period is unknown, but the store holds exactly this response: its count answers the whole store.
        #expect(try AggregateEngine.run(q, store: store).rows == [[.integer(30)]])
    }
}
