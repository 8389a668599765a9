import ColanCore
import Foundation
import Testing

/// A fresh store in a temporary folder holding the given reports.
func makeStore(_ reports: [ImportedReport]) throws -> (Store, URL) {
    let dir = try makeTemporaryDirectory()
    let store = try Store(path: dir.path + "/store", create: true)
    try commit(reports, to: store)
    return (store, dir)
}

func report(_ csv: String, fixed: [String: String] = [:]) throws -> ImportedReport {
    var options = ImportOptions()
    options.fixed = fixed
    return try importText(csv, name: "r.csv", options: options)[0]
}

@Suite struct AggregateTests {
    @Test func vendorSampleTotalsAreRecomputed() throws {
        let (store, dir) = try makeStore(try importText(vendorSample))
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try AggregateEngine.run(AggregateQuery(), store: store)
        #expect(ResultRenderer.render(result, as: .csv) == """
            totalSessions,totalViewershipMinutes,aggregatedViewers,avgSessionDuration,avgSessionPerViewer,dailyAverageNumberOfViewers,dailyAverageSessionCount,dailyAverageViewershipMinutes,viewersExact
            9445,248539,6404,26.31,1.47,6404,9445,248539,true

            """)
    }

    @Test func coarsestCuboidAnswersEachSlice() throws {
        // An All-devices report and per-device reports of the same day.
        let all = try report("time,numberOfSession,viewershipMinutes,uniqueViewers\n2021-09-01,100,1000,80\n")
        let roku = try report("time,numberOfSession,viewershipMinutes,uniqueViewers\n2021-09-01,60,500,50\n", fixed: ["deviceType": "Roku"])
        let tv = try report("time,numberOfSession,viewershipMinutes,uniqueViewers\n2021-09-01,40,500,35\n", fixed: ["deviceType": "Smart TV"])
        let (store, dir) = try makeStore([all, roku, tv])
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.metrics = ["totalSessions", "aggregatedViewers"]
        #expect(try AggregateEngine.run(q, store: store).rows == [[.integer(100), .integer(80)]])
        q.by = ["deviceType"]
        #expect(try AggregateEngine.run(q, store: store).rows == [
            [.text("Roku"), .integer(60), .integer(50)], [.text("Smart TV"), .integer(40), .integer(35)],
        ])
        q.by = []
        q.filters = ["deviceType": ["Roku"]]
        #expect(try AggregateEngine.run(q, store: store).rows == [[.integer(60), .integer(50)]])
    }

    @Test func unknownNamesSuggestTheClosest() throws {
        let (store, dir) = try makeStore(try importText(vendorSample))
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.metrics = ["totalSesions"]
        #expect(throws: ColanError.self) { try AggregateEngine.run(q, store: store) }
        do { _ = try AggregateEngine.run(q, store: store) } catch let e as ColanError {
            #expect(e.hint?.hasPrefix("did you mean 'totalSessions'?") == true)
        }
        q = AggregateQuery()
        q.report = "viewershipAnalytic"
        do { _ = try AggregateEngine.run(q, store: store) } catch let e as ColanError {
            #expect(e.hint?.hasPrefix("did you mean 'viewershipAnalytics'?") == true)
        }
    }

    @Test func everyFormatRendersTheSameRows() throws {
        let csv = "time,deviceType,numberOfSession,viewershipMinutes,uniqueViewers\n2021-09-01,\"Smart, TV\",3,10,2\n2021-09-01,Roku,1,5,1\n"
        let (store, dir) = try makeStore([try report(csv)])
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.by = ["deviceType"]
        q.metrics = ["totalSessions", "avgSessionDuration", "aggregatedViewers"]
        let result = try AggregateEngine.run(q, store: store)
        #expect(ResultRenderer.render(result, as: .csv) == "deviceType,totalSessions,avgSessionDuration,aggregatedViewers,viewersExact\nRoku,1,5,1,true\n\"Smart, TV\",3,3.33,2,true\n")
        #expect(ResultRenderer.render(result, as: .json) == """
            [
              {"deviceType": "Roku", "totalSessions": 1, "avgSessionDuration": 5, "aggregatedViewers": 1, "viewersExact": true},
              {"deviceType": "Smart, TV", "totalSessions": 3, "avgSessionDuration": 3.33, "aggregatedViewers": 2, "viewersExact": true}
            ]

            """)
        #expect(ResultRenderer.render(result, as: .table) == """
            deviceType  totalSessions  avgSessionDuration  aggregatedViewers
            Roku                    1                   5                  1
            Smart, TV               3                3.33                  2

            """)
    }

    @Test func aRangeWithoutDataIsAnEmptyAnswerAndAbsentDimensionsAreNamedSo() throws {
        let (store, dir) = try makeStore([try report("time,deviceType,numberOfSession\n2021-09-01 10:00:00,Roku,5\n")])
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.by = ["deviceType"]
        q.from = "2030-01-01"
        #expect(try AggregateEngine.run(q, store: store).rows.isEmpty)
        q.from = nil
        q.by = ["city"]
        #expect(throws: ColanError.self) { try AggregateEngine.run(q, store: store) }
        do { _ = try AggregateEngine.run(q, store: store) } catch let e as ColanError {
            #expect(e.message == "no viewershipAnalytics report in the store breaks down by city")
            #expect(e.hint?.contains("deviceType") == true)
        }
    }

    @Test func randomTablesMatchAReferenceImplementation() throws {
        var rng = SeededRandom(seed: 2024)
        let devices = ["Roku", "Smart TV", "Tablet", "Desktop"]
        let countries = ["India", "United States", "Brazil"]
        for round in 0..<5 {
            var csv = "time,deviceType,country,numberOfSession,viewershipMinutes\n"
            var expected: [String: (Int64, Int64)] = [:]
            let rows = Int.random(in: 1...3000, using: &rng)
            for i in 0..<rows {
                let d = devices.randomElement(using: &rng)!, c = countries.randomElement(using: &rng)!
                let s = Int64.random(in: 0...50, using: &rng), m = Int64.random(in: 0...5000, using: &rng)
                csv += "2021-09-\(10 + i % 5) \(10 + i % 7):00:00,\(d),\(i % 11 == 0 ? "" : c),\(s),\(m)\n"
                let key = d + "|" + (i % 11 == 0 ? "(null)" : c)
                expected[key, default: (0, 0)].0 += s
                expected[key, default: (0, 0)].1 += m
            }
            let (store, dir) = try makeStore([try report(csv)])
            defer { try? FileManager.default.removeItem(at: dir) }
            var q = AggregateQuery()
            q.by = ["deviceType", "country"]
            q.metrics = ["totalSessions", "totalViewershipMinutes"]
            let result = try AggregateEngine.run(q, store: store)
            var actual: [String: (Int64, Int64)] = [:]
            for row in result.rows {
                guard case .text(let d) = row[0], case .text(let c) = row[1], case .integer(let s) = row[2], case .integer(let m) = row[3] else {
                    Issue.record("unexpected row \(row)"); continue
                }
                actual[d + "|" + c] = (s, m)
            }
            #expect(actual.count == expected.count, "round \(round)")
            for (k, v) in expected { #expect(actual[k]?.0 == v.0 && actual[k]?.1 == v.1, "round \(round) group \(k)") }
        }
    }

    @Test func manyGroupsGoThroughTheHashPathWithTheSameSums() throws {
        // 130^3 combinations exceed the dense array limit, so groups live in a hash map.
        var rng = SeededRandom(seed: 77)
        var csv = "time,channelId,country,contentId,numberOfSession\n"
        var expected: [String: Int64] = [:]
        for i in 0..<4000 {
            let a = i < 130 ? i : Int.random(in: 0..<130, using: &rng)
            let b = i < 130 ? i : Int.random(in: 0..<130, using: &rng)
            let c = i < 130 ? i : Int.random(in: 0..<130, using: &rng)
            let s = Int64.random(in: 1...9, using: &rng)
            csv += "2024-02-01,ch\(a),co\(b),ct\(c),\(s)\n"
            expected["ch\(a)|co\(b)|ct\(c)", default: 0] += s
        }
        let (store, dir) = try makeStore([try report(csv)])
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.by = ["channelId", "country", "contentId"]
        q.metrics = ["totalSessions"]
        var actual: [String: Int64] = [:]
        for row in try AggregateEngine.run(q, store: store).rows {
            guard case .text(let a) = row[0], case .text(let b) = row[1], case .text(let c) = row[2], case .integer(let v) = row[3] else { continue }
            actual["\(a)|\(b)|\(c)"] = v
        }
        #expect(actual == expected)
    }

    @Test func runsOfOneGroupAddUpLikeSingleRows() throws {
        // Many rows an hour over two devices: in scan order deviceType is two runs an hour, stored
        // run-length encoded, so --by deviceType and the plain total go through the run kernel,
        // while a filter takes the row-by-row path. All three must agree with the reference.
        var rng = SeededRandom(seed: 99)
        var csv = "time,deviceType,country,numberOfSession,viewershipMinutes\n"
        var expected: [String: (Int64, Int64)] = [:]
        for i in 0..<6000 {
            let d = ["Roku", "Smart TV"].randomElement(using: &rng)!
            let c = ["India", "Brazil", "Chile", "Peru", "Fiji"].randomElement(using: &rng)!
            let s = Int64.random(in: 0...90, using: &rng), m = Int64.random(in: 0...9000, using: &rng)
            csv += "2021-09-10 \(10 + i / 2000):00:00,\(d),\(c),\(s),\(m)\n"
            expected[d, default: (0, 0)].0 += s
            expected[d, default: (0, 0)].1 += m
        }
        let (store, dir) = try makeStore([try report(csv)])
        defer { try? FileManager.default.removeItem(at: dir) }
        let segment = try #require(try store.open(kind: nil).first)
        let description = SegmentDescription.render(segment.reader)
        #expect(description.split(separator: "\n").contains { $0.hasPrefix("deviceType") && $0.contains("rle(") },
                "deviceType is expected to be run-length encoded:\n\(description)")
        func sums(_ by: [String], _ filters: [String: [String]] = [:]) throws -> [String: (Int64, Int64)] {
            var q = AggregateQuery()
            q.by = by
            q.filters = filters
            q.metrics = ["totalSessions", "totalViewershipMinutes"]
            var out: [String: (Int64, Int64)] = [:]
            for row in try AggregateEngine.run(q, store: store).rows {
                guard case .integer(let s) = row[row.count - 2], case .integer(let m) = row[row.count - 1] else { continue }
                if case .text(let d) = row.first, !by.isEmpty { out[d] = (s, m) } else { out["all"] = (s, m) }
            }
            return out
        }
        let byDevice = try sums(["deviceType"])
        #expect(byDevice.count == 2)
        for (d, v) in expected { #expect(byDevice[d]?.0 == v.0 && byDevice[d]?.1 == v.1, "\(d)") }
        let total = try sums([])
        #expect(total["all"]?.0 == expected.values.reduce(0) { $0 + $1.0 })
        #expect(total["all"]?.1 == expected.values.reduce(0) { $0 + $1.1 })
        let roku = try sums(["deviceType"], ["deviceType": ["Roku"]])
        #expect(roku["Roku"]?.0 == expected["Roku"]?.0 && roku["Roku"]?.1 == expected["Roku"]?.1 && roku.count == 1)
    }
}
