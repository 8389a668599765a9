import ColanCore
import Foundation
import Testing

/// `colan pull` against the fake vendor server (Tests/Interop/fake_vendor.py) on 127.0.0.1:
/// real response shapes, paging, faults, revisions, kills, and the token kept out of the store.
@Suite(.serialized) struct PullTests {
    static let token = "amagi-secret-token-0123456789"

    /// The fake vendor API, started for one test and stopped with it.
    final class FakeVendor {
        let process = Process()
        let base: String

        init() throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", CLIPaths.root.appendingPathComponent("Tests/Interop/fake_vendor.py").path, "--port", "0"]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                line.append(chunk)
            }
            let text = String(decoding: line, as: UTF8.self)
            guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5).prefix { $0.isNumber }) else {
                throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "fake vendor did not start: \(text)"])
            }
            base = "http://127.0.0.1:\(port)"
        }

        deinit {
            // SIGKILL: a test runner may leave SIGTERM ignored, and ignoring is inherited.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func post(_ path: String, _ body: String) throws {
            _ = try call(path, method: "POST", body: body)
        }

        func json(_ path: String) throws -> Any {
            try JSONSerialization.jsonObject(with: try call(path, method: "GET", body: nil))
        }

        private func call(_ path: String, method: String, body: String?) throws -> Data {
            // Python's own client: the control calls depend on neither colan nor curl.
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            var script = "import sys,urllib.request as u;r=u.Request(sys.argv[1],method=sys.argv[2]"
            script += body == nil ? ")" : ",data=sys.argv[3].encode())"
            script += ";sys.stdout.buffer.write(u.urlopen(r).read())"
            p.arguments = ["python3", "-c", script, base + path, method] + (body.map { [$0] } ?? [])
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return data
        }
    }

    static func tokenFile(_ dir: URL) throws -> String {
        let path = dir.appendingPathComponent("token").path
        try (token + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A pull of `args` with the test's fast retries.
    static func pull(_ vendor: FakeVendor, _ args: [String]) throws -> (Int32, String, String) {
        try colan(["pull"] + args + ["--base-url", vendor.base, "--retry-delay", "0.05", "--timeout", "2"])
    }

    /// `colan agg --format csv` as rows of fields keyed by the first column.
    static func agg(_ store: String, _ args: [String]) throws -> [String: [String: String]] {
        let (code, out, err) = try colan(["agg", "--store", store, "--format", "csv"] + args)
        #expect(code == 0, "\(err)")
        let lines = out.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return [:] }
        var rows: [String: [String: String]] = [:]
        for line in lines.dropFirst() {
            rows[line[0] + (header[0] == "time" ? "|" + line[1] : "")] = Dictionary(uniqueKeysWithValues: zip(header, line))
        }
        return rows
    }

    /// Every answer the tests compare stores by.
    /// `strict`: every report must answer (a partial store's missing reports answer "").
    static func answers(_ store: String, strict: Bool = true) throws -> [String] {
        var out: [String] = []
        for report in ["viewershipAnalytics", "contentAnalytics", "adAnalytics", "adContentAnalytics", "uniqueViewersAnalytics", "concurrentUsers"] {
            let zone = report == "concurrentUsers" ? "UTC" : "US/Pacific"
            let (code, text, err) = try colan(["agg", "--store", store, "--report", report, "--by", "channelId", "--interval", "day",
                                              "--tz", zone, "--format", "csv"])
            if strict { #expect(code == 0, "\(report): \(err)") }
            out.append(code == 0 ? text : "")
        }
        return out
    }

    static let range = ["--from", "2021-09-01", "--to", "2021-09-30"]

    /// The issue's pull: 10 channels x 30 days x viewership, content, ad, ad content, unique
    /// viewers and concurrent users, through a 429, a 500 and a timeout, lands exactly the
    /// server's numbers; the token is in no file of the store; a second pull changes nothing.
    @Test func aPullLandsTheServersNumbers() throws {
        let vendor = try FakeVendor()
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store").path
        try vendor.post("/_control/faults", #"{"faults": ["429", "500", "timeout"]}"#)
        let (code, out, err) = try Self.pull(vendor, ["amagi", "--store", store, "--token-file", try Self.tokenFile(dir), "--page-limit", "50"] + Self.range)
        #expect(code == 0, "\(err)")
        #expect(out.contains("pulled "), "\(out)")
        #expect(err.contains("HTTP 429") && err.contains("HTTP 500") && err.contains("no answer within 2 s"), "retries not reported: \(err)")

        func expected(_ type: String) throws -> [String: [String: Any]] {
            try vendor.json("/_control/expected?type=\(type)&from=2021-09-01&to=2021-09-30") as! [String: [String: Any]]
        }
        let viewership = try Self.agg(store, ["--by", "channelId"] + Self.range)
        let wantViewership = try expected("viewershipAnalytics")
        #expect(viewership.count == 10)
        for (channel, want) in wantViewership {
            #expect(viewership[channel]?["totalSessions"] == "\(want["numberOfSession"]!)", "\(channel)")
            #expect(viewership[channel]?["totalViewershipMinutes"] == "\(want["viewershipMinutes"]!)", "\(channel)")
        }
        let content = try Self.agg(store, ["--report", "contentAnalytics", "--by", "channelId"] + Self.range)
        for (channel, want) in try expected("contentAnalytics") {
            #expect(content[channel]?["totalSessions"] == "\(want["numberOfSession"]!)", "content \(channel)")
            #expect(content[channel]?["totalViewershipMinutes"] == "\(want["viewershipMinutes"]!)", "content \(channel)")
        }
        let ads = try Self.agg(store, ["--report", "adAnalytics", "--by", "channelId"] + Self.range)
        for (channel, want) in try expected("adAnalytics") {
            #expect(ads[channel]?["totalImpressionsRecorded"] == "\(want["impressions"]!)", "ad \(channel)")
            #expect(ads[channel]?["totalAdAssetsReceived"] == "\(want["adAssets"]!)", "ad \(channel)")
        }
        let adContent = try Self.agg(store, ["--report", "adContentAnalytics", "--by", "channelId"] + Self.range)
        for (channel, want) in try expected("adContentAnalytics") {
            #expect(adContent[channel]?["totalImpressionsRecorded"] == "\(want["impressions"]!)", "ad content \(channel)")
        }
        // Unique viewers: each day's exact headline, unmarked.
        let unique = try Self.agg(store, ["--report", "uniqueViewersAnalytics", "--by", "channelId", "--interval", "day"] + Self.range)
        let wantUnique = try expected("uniqueViewersAnalytics")
        #expect(unique.count == 300)
        for (channel, days) in wantUnique {
            for (day, viewers) in days {
                let row = unique["\(day) 00:00:00|\(channel)"]
                #expect(row?["uniqueViewers"] == "\(viewers)" && row?["viewersExact"] == "true", "unique \(channel) \(day)")
            }
        }
        let concurrent = try Self.agg(store, ["--report", "concurrentUsers", "--by", "channelId", "--tz", "UTC"])
        for (channel, want) in try expected("concurrentUsers") {
            #expect(concurrent[channel]?["concurrentUsersMax"] == "\(want["peak"]!)", "concurrent \(channel): \(concurrent[channel] ?? [:])")
        }
        // Content was read page by page (210 rows a channel, 50 a page: pages 1 to 5).
        let log = try vendor.json("/_control/log") as! [[String: Any]]
        let contentPages = log.compactMap { $0["query"] as? String }.filter { $0.contains("type=contentAnalytics") && $0.contains("channelId=ch01&") }
        #expect(contentPages.count == 5, "\(contentPages)")
        // The token only ever travelled as the header.
        for entry in log {
            #expect(!((entry["query"] as? String) ?? "").contains(Self.token))
        }
        try Self.expectNoToken(in: store)
        #expect(try colan(["verify", "--store", store]).0 == 0)

        // The same pull again: every response is already held; the manifest does not change.
        let manifest = try Data(contentsOf: URL(fileURLWithPath: store + "/manifest"))
        let (again, againOut, againErr) = try Self.pull(vendor, ["amagi", "--store", store, "--token-file", try Self.tokenFile(dir), "--page-limit", "50"] + Self.range)
        #expect(again == 0, "\(againErr)")
        #expect(againOut.contains("already in the store") && againOut.contains(": 0 rows added"), "\(againOut)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: store + "/manifest")) == manifest)

        // verify expands every kept response: a damaged one is reported.
        let kept = try RawResponses(store: store).files()
        #expect(kept.count > 300)
        var damaged = try Data(contentsOf: URL(fileURLWithPath: kept[0]))
        damaged[damaged.count / 2] ^= 0x5A
        let original = try Data(contentsOf: URL(fileURLWithPath: kept[0]))
        try damaged.write(to: URL(fileURLWithPath: kept[0]))
        let (verifyCode, verifyOut, verifyErr) = try colan(["verify", "--store", store])
        #expect(verifyCode == 1 && (verifyOut + verifyErr).contains(kept[0]), "\(verifyOut)\(verifyErr)")
        try original.write(to: URL(fileURLWithPath: kept[0]))

        // The kept raw responses rebuild the same store.
        let rebuilt = dir.appendingPathComponent("rebuilt").path
        let (imported, _, importErr) = try colan(["import", "--store", rebuilt, "--quiet", store + "/raw"])
        #expect(imported == 0, "\(importErr)")
        #expect(try Self.answers(rebuilt) == Self.answers(store))
    }

    /// Every file under the store, compressed raw responses expanded, is free of the token.
    static func expectNoToken(in store: String) throws {
        let files = FileManager.default.enumerator(atPath: store)!.compactMap { $0 as? String }
        var checked = 0
        for file in files {
            let path = store + "/" + file
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            if path.hasSuffix(".zst") { bytes = try RawResponses.contents(of: path) }
            #expect(!String(decoding: bytes, as: UTF8.self).contains(token), "the token is in \(file)")
            checked += 1
        }
        #expect(checked > 10)
    }

    /// After the vendor revises the last days, a pull without --from re-pulls the --lookback
    /// window and replaces those days; the other days stay as they were.
    @Test func aLaterPullReplacesRevisedDays() throws {
        let vendor = try FakeVendor()
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store").path
        let token = try Self.tokenFile(dir)
        let reports = ["--reports", "viewership,content,unique", "--channels", "ch01,ch02,ch03"]
        #expect(try Self.pull(vendor, ["amagi", "--store", store, "--token-file", token] + reports + Self.range).0 == 0)
        let before = try Self.agg(store, ["--by", "channelId", "--interval", "day"] + Self.range)
        try vendor.post("/_control/revise", #"{"from": "2021-09-28"}"#)
        let (code, out, err) = try Self.pull(vendor, ["amagi", "--store", store, "--token-file", token, "--to", "2021-09-30"] + reports)
        #expect(code == 0, "\(err)")
        #expect(out.contains("replaced"), "\(out)")
        let log = try vendor.json("/_control/log") as! [[String: Any]]
        let repulls = log.compactMap { $0["query"] as? String }.filter { $0.contains("type=viewershipAnalytics") && $0.contains("startDate=2021-09-28") }
        #expect(repulls.count == 3, "the lookback window (3 days) was not re-pulled per channel")
        let after = try Self.agg(store, ["--by", "channelId", "--interval", "day"] + Self.range)
        let want = try vendor.json("/_control/expected?type=viewershipAnalytics&from=2021-09-01&to=2021-09-30") as! [String: [String: Any]]
        let totals = try Self.agg(store, ["--by", "channelId"] + Self.range)
        for channel in ["ch01", "ch02", "ch03"] {
            #expect(totals[channel]?["totalSessions"] == "\(want[channel]!["numberOfSession"]!)")
            #expect(after["2021-09-27 00:00:00|\(channel)"] == before["2021-09-27 00:00:00|\(channel)"])
            #expect(after["2021-09-29 00:00:00|\(channel)"]?["totalSessions"] != before["2021-09-29 00:00:00|\(channel)"]?["totalSessions"])
        }
        let unique = try vendor.json("/_control/expected?type=uniqueViewersAnalytics&from=2021-09-30&to=2021-09-30&scope=ch01") as! [String: [String: Any]]
        let uniqueRows = try Self.agg(store, ["--report", "uniqueViewersAnalytics", "--by", "channelId", "--interval", "day", "--from", "2021-09-30", "--to", "2021-09-30"])
        #expect(uniqueRows["2021-09-30 00:00:00|ch01"]?["uniqueViewers"] == "\(unique["ch01"]!["2021-09-30"]!)")
        #expect(try colan(["verify", "--store", store]).0 == 0)
    }

    /// A pull killed (SIGKILL) at any moment, then run again, gives the store one clean pull gives.
    @Test func aKilledPullCompletesToTheCleanPullsStore() throws {
        let vendor = try FakeVendor()
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let token = try Self.tokenFile(dir)
        let args = ["amagi", "--token-file", token, "--channels", "ch01,ch02,ch03,ch04", "--page-limit", "50"] + Self.range
        let clean = dir.appendingPathComponent("clean").path
        let started = Date()
        #expect(try Self.pull(vendor, args + ["--store", clean]).0 == 0)
        let duration = Date().timeIntervalSince(started)
        let want = try Self.answers(clean)
        var sawPartial = false
        for (k, fraction) in [0.15, 0.4, 0.7].enumerated() {
            let store = dir.appendingPathComponent("kill\(k)").path
            let process = Process()
            process.executableURL = CLIPaths.binary
            process.arguments = ["pull"] + args + ["--store", store, "--base-url", vendor.base, "--retry-delay", "0.05", "--timeout", "2", "--quiet"]
            try process.run()
            usleep(UInt32(duration * fraction * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let partial = FileManager.default.fileExists(atPath: store + "/manifest") ? try Self.answers(store, strict: false) : []
            if partial != want { sawPartial = true }
            let (code, _, err) = try Self.pull(vendor, args + ["--store", store])
            #expect(code == 0, "kill point \(k): \(err)")
            #expect(try Self.answers(store) == want, "kill point \(k): the completed store differs from a clean pull's")
            let (verified, _, verifyErr) = try colan(["verify", "--store", store])
            #expect(verified == 0, "kill point \(k): \(verifyErr)")
        }
        #expect(sawPartial, "no kill landed before the pull's end: the kill points do not cover it")
    }

    /// A response saved but never committed (a kill between the two) is imported by the next
    /// pull, or removed when the store holds its content under another file.
    @Test func uncommittedResponsesAreRecovered() throws {
        let vendor = try FakeVendor()
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store").path
        let token = try Self.tokenFile(dir)
        let args = ["amagi", "--store", store, "--token-file", token, "--channels", "ch01", "--reports", "viewership"]
        #expect(try Self.pull(vendor, args + ["--from", "2021-09-01", "--to", "2021-09-10"]).0 == 0)
        let kept = try RawResponses(store: store).files()
        #expect(kept.count == 1)
        // A copy under a later run's folder: its content is held under the first file.
        let fm = FileManager.default
        let copy = kept[0].replacingOccurrences(of: "/raw/amagi/", with: "/raw/amagi/9999-12-31T000000Z-")
        try fm.createDirectory(atPath: (copy as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try fm.copyItem(atPath: kept[0], toPath: copy)
        try fm.copyItem(atPath: kept[0] + ".url", toPath: copy + ".url")
        // And a leftover temporary file.
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: (kept[0] as NSString).deletingLastPathComponent + "/.tmp-x.json.zst"))
        #expect(try Self.pull(vendor, args + ["--from", "2021-09-10", "--to", "2021-09-10"]).0 == 0)
        #expect(!fm.fileExists(atPath: copy) && !fm.fileExists(atPath: copy + ".url"))
        #expect(!fm.fileExists(atPath: (kept[0] as NSString).deletingLastPathComponent + "/.tmp-x.json.zst"))
        #expect(try colan(["verify", "--store", store]).0 == 0)
    }

    /// Refusals (an unknown channel's 422, a rejected token's 403) and unusable responses (HTML,
    /// truncated JSON) fail their units with the vendor's message and a non-zero exit; the other
    /// channels land; nothing of the failed ones is kept; the token is never printed.
    @Test func failuresAreReportedAndNeverImported() throws {
        let vendor = try FakeVendor()
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store").path
        let token = try Self.tokenFile(dir)
        let (code, _, err) = try Self.pull(vendor, ["amagi", "--store", store, "--token-file", token, "--channels", "ch01,nope",
                                                    "--reports", "viewership"] + Self.range)
        #expect(code == 1)
        #expect(err.contains("viewershipAnalytics nope 2021-09-01..2021-09-30: HTTP 422: channel_id nope is not valid"), "\(err)")
        #expect(try Self.agg(store, ["--by", "channelId"] + Self.range).keys.sorted() == ["ch01"])

        try vendor.post("/_control/faults", #"{"faults": ["html", "truncated", "wrong"]}"#)
        let (bad, _, badErr) = try Self.pull(vendor, ["amagi", "--store", store, "--token-file", token, "--channels", "ch02",
                                                      "--reports", "viewership", "--from", "2021-09-01", "--to", "2021-09-10"])
        let (bad2, _, badErr2) = try Self.pull(vendor, ["amagi", "--store", store, "--token-file", token, "--channels", "ch02",
                                                        "--reports", "viewership", "--from", "2021-09-01", "--to", "2021-09-10"])
        let (bad3, _, badErr3) = try Self.pull(vendor, ["amagi", "--store", store, "--token-file", token, "--channels", "ch02",
                                                        "--reports", "viewership", "--from", "2021-09-01", "--to", "2021-09-10"])
        #expect(bad == 1 && bad2 == 1 && bad3 == 1)
        #expect(badErr.contains("HTML page") && badErr.contains("Maintenance"), "\(badErr)")
        #expect(badErr2.contains("truncated"), "\(badErr2)")
        #expect(badErr3.contains("asked for viewershipAnalytics, the response is"), "\(badErr3)")
        #expect(try Self.agg(store, ["--by", "channelId"] + Self.range).keys.sorted() == ["ch01"])

        let wrong = dir.appendingPathComponent("wrong").path
        try "wrong-token-value-123\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        let (refused, _, refusedErr) = try Self.pull(vendor, ["amagi", "--store", store, "--token-file", wrong] + Self.range)
        #expect(refused == 1)
        #expect(refusedErr.contains("HTTP 403: Invalid header access-token"), "\(refusedErr)")
        #expect(!refusedErr.contains("wrong-token-value-123"))

        // A dry run lists the requests with the token as ***, and sends none of them.
        let (dry, dryOut, _) = try Self.pull(vendor, ["amagi", "--store", store, "--token-file", token, "--channels", "ch03",
                                                      "--reports", "viewership,unique", "--from", "2021-09-01", "--to", "2021-09-02", "--dry-run"])
        #expect(dry == 0)
        #expect(dryOut.contains("x-access-token: ***") && !dryOut.contains(Self.token), "\(dryOut)")
        #expect(dryOut.contains("3 requests, none sent"), "\(dryOut)")
        let log = try vendor.json("/_control/log") as! [[String: Any]]
        #expect(!log.contains { (($0["query"] as? String) ?? "").contains("channelId=ch03") })
        // The first pull of a store needs --from.
        let (first, _, firstErr) = try Self.pull(vendor, ["amagi", "--store", dir.appendingPathComponent("new").path, "--token-file", token])
        #expect(first == 2 && firstErr.contains("the first pull needs --from"), "\(firstErr)")
    }

    /// v1 scheduled downloads, day by day (a blank one an empty report), in the schedule's zone.
    @Test func scheduledReportsArePulledDayByDay() throws {
        let vendor = try FakeVendor()
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store").path
        let (code, out, err) = try Self.pull(vendor, ["amagi-scheduled", "--store", store, "--token-file", try Self.tokenFile(dir),
                                                      "--schedule", "S-77", "--tz", "US/Eastern", "--from", "2021-09-01", "--to", "2021-09-10"])
        #expect(code == 0, "\(err)")
        #expect(out.contains("pulled 10 responses"), "\(out)")
        let want = try vendor.json("/_control/expected?type=scheduled&from=2021-09-01&to=2021-09-10&scope=S-77") as! [String: [String: Any]]
        let got = try Self.agg(store, ["--tz", "US/Eastern", "--from", "2021-09-01", "--to", "2021-09-10"])
        #expect(got.values.first?["totalSessions"] == "\(want["S-77"]!["numberOfSession"]!)", "\(got)")
        // 2021-09-07 was blank: an empty report, no rows, no error.
        let day7 = try Self.agg(store, ["--tz", "US/Eastern", "--from", "2021-09-07", "--to", "2021-09-07"])
        #expect(day7.values.first?["totalSessions"] ?? "" == "" || day7.isEmpty, "\(day7)")
        // Weekly schedules start on Mondays.
        let (weekly, _, weeklyErr) = try Self.pull(vendor, ["amagi-scheduled", "--store", store, "--token-file", try Self.tokenFile(dir),
                                                            "--schedule", "S-78", "--every", "weekly", "--from", "2021-09-01"])
        #expect(weekly == 2 && weeklyErr.contains("not one"), "\(weeklyErr)")
    }

    /// MediaMelon: OAuth password grant, the token renewed with the refresh token when refused,
    /// metrics paged until pagecount pages, and alerts.
    @Test func mediaMelonMetricsAndAlerts() throws {
        let vendor = try FakeVendor()
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store").path
        let password = dir.appendingPathComponent("password").path
        try "mm-password-secret\n".write(toFile: password, atomically: true, encoding: .utf8)
        let (code, _, err) = try Self.pull(vendor, ["mediamelon", "--store", store, "--customer", "7001", "--user", "analyst",
                                                    "--password-file", password, "--metrics", "viewercount,playtime,rebufferingratio",
                                                    "--from", "2021-09-01", "--to", "2021-09-03", "--alerts", "--page-limit", "10"])
        #expect(code == 0, "\(err)")
        let want = try vendor.json("/_control/expected?type=mediamelon&from=2021-09-01&to=2021-09-03&scope=7001") as! [String: [String: Any]]
        let got = try Self.agg(store, ["--report", "smartsight", "--tz", "UTC", "--from", "2021-09-01", "--to", "2021-09-03"])
        #expect(got.keys.first == "\(want["7001"]!["viewercount"]!)", "\(got)")
        let log = try vendor.json("/_control/log") as! [[String: Any]]
        let grants = log.compactMap { $0["grant"] as? String }
        #expect(grants.first == "password" && grants.contains("refresh_token"), "\(grants)")
        let metricPages = log.compactMap { $0["path"] as? String }.filter { $0.hasPrefix("/mm-apis/qbrData/") }
        #expect(metricPages.count >= 9, "24 rows a day, 10 a page: 3 pages a day")
        try Self.expectNoSecret("mm-password-secret", in: store)
        // A dry run signs in neither: no request at all.
        let before = (try vendor.json("/_control/log") as! [[String: Any]]).count
        let (dry, dryOut, _) = try Self.pull(vendor, ["mediamelon", "--store", store, "--customer", "7001", "--user", "analyst",
                                                      "--password-file", password, "--metrics", "viewercount", "--from", "2021-09-05",
                                                      "--to", "2021-09-05", "--dry-run"])
        #expect(dry == 0 && dryOut.contains("Authorization: ***") && dryOut.contains("1 requests, none sent"), "\(dryOut)")
        #expect((try vendor.json("/_control/log") as! [[String: Any]]).count == before)
        let alerts = try colan(["info", "--store", store]).1
        #expect(alerts.contains("alertId"), "\(alerts)")
    }

    /// `--split deviceType=...` pulls one slice per value, recorded as the slice's dimension:
    /// `colan agg --by deviceType` answers the server's per-device numbers.
    @Test func splitsAreSlicesAggCanGroupBy() throws {
        let vendor = try FakeVendor()
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store").path
        let (code, _, err) = try Self.pull(vendor, ["amagi", "--store", store, "--token-file", try Self.tokenFile(dir), "--channels", "ch01",
                                                    "--reports", "viewership", "--split", "deviceType=Roku,Smart TV"] + Self.range)
        #expect(code == 0, "\(err)")
        let got = try Self.agg(store, ["--by", "deviceType"] + Self.range)
        #expect(got.keys.sorted() == ["Roku", "Smart TV"])
        for device in ["Roku", "Smart TV"] {
            let encoded = device.replacingOccurrences(of: " ", with: "%20")
            let want = try vendor.json("/_control/expected?type=viewershipAnalytics&from=2021-09-01&to=2021-09-30&scope=ch01&deviceType=\(encoded)")
                as! [String: [String: Any]]
            #expect(got[device]?["totalSessions"] == "\(want["ch01"]!["numberOfSession"]!)", "\(device)")
        }
        let log = try vendor.json("/_control/log") as! [[String: Any]]
        #expect(log.contains { (($0["query"] as? String) ?? "").contains("deviceType=Smart%20TV") })
        // An unknown filter, and one without listed values, are refused before any request.
        #expect(try Self.pull(vendor, ["amagi", "--store", store, "--token-file", try Self.tokenFile(dir), "--split", "planet"]).0 == 2)
        #expect(try Self.pull(vendor, ["amagi", "--store", store, "--token-file", try Self.tokenFile(dir), "--split", "city"]).0 == 2)
    }

    /// `--customer ID` without channels pulls customer-wide (`customerId=`), recorded as such.
    @Test func customerWidePulls() throws {
        let vendor = try FakeVendor()
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store").path
        let (code, _, err) = try Self.pull(vendor, ["amagi", "--store", store, "--token-file", try Self.tokenFile(dir), "--customer", "c1",
                                                    "--reports", "viewership,unique"] + Self.range)
        #expect(code == 0, "\(err)")
        let log = try vendor.json("/_control/log") as! [[String: Any]]
        let queries = log.compactMap { $0["query"] as? String }.filter { $0.contains("type=") }
        #expect(queries.count == 31 && queries.allSatisfy { $0.contains("customerId=c1") && !$0.contains("channelId") }, "\(queries.count)")
        let want = try vendor.json("/_control/expected?type=viewershipAnalytics&from=2021-09-01&to=2021-09-30&scope=customer:c1")
            as! [String: [String: Any]]
        let got = try Self.agg(store, ["--by", "customerId"] + Self.range)
        #expect(got["c1"]?["totalSessions"] == "\(want["customer:c1"]!["numberOfSession"]!)", "\(got)")
    }

    /// MediaMelon with an API key from the environment: sent as X-API-Key, never kept.
    @Test func mediaMelonWithAnAPIKey() throws {
        let vendor = try FakeVendor()
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store").path
        let (code, _, err) = try colan(["pull", "mediamelon", "--store", store, "--customer", "7002", "--metrics", "viewercount",
                                        "--granularity", "hour", "--from", "2021-09-05", "--to", "2021-09-05", "--base-url", vendor.base],
                                       environment: ["MEDIAMELON_API_KEY": "mm-api-key-secret"])
        #expect(code == 0, "\(err)")
        let log = try vendor.json("/_control/log") as! [[String: Any]]
        #expect(log.contains { (($0["headers"] as? [String: String])?["X-API-Key"]) == "mm-api-key-secret" })
        try Self.expectNoSecret("mm-api-key-secret", in: store)
        let (missing, _, missingErr) = try colan(["pull", "mediamelon", "--store", store, "--customer", "7002", "--metrics", "viewercount",
                                                  "--from", "2021-09-05", "--base-url", vendor.base], environment: ["MEDIAMELON_API_KEY": ""])
        #expect(missing == 2 && missingErr.contains("--api-key-file"), "\(missingErr)")
    }

    static func expectNoSecret(_ secret: String, in store: String) throws {
        for file in FileManager.default.enumerator(atPath: store)!.compactMap({ $0 as? String }) {
            let path = store + "/" + file
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            var bytes = [UInt8](data)
            if path.hasSuffix(".zst") { bytes = try RawResponses.contents(of: path) }
            #expect(!String(decoding: bytes, as: UTF8.self).contains(secret), "\(file)")
        }
    }
}
