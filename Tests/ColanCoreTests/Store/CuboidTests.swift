import ColanCore
import Foundation
import Testing

/// A cuboid's one encoding survives any dimension name a CSV header can hold.
@Suite struct CuboidTests {
    @Test func separatorsInNamesRoundTrip() throws {
        let cuboid = Cuboid(kind: "generic", interval: "DAILY", zone: "US/Pacific", dimensions: ["b|c", "a, b", "100%", "plain"])
        #expect(Cuboid(encoded: cuboid.encoded) == cuboid)
        #expect(cuboid.encoded.split(separator: "|").count == 4)
        // Names without separators encode as before (stores written earlier read the same).
        #expect(Cuboid(kind: "viewershipAnalytics", interval: "HOURLY", zone: "UTC", dimensions: ["deviceType", "channelId"]).encoded
            == "viewershipAnalytics|HOURLY|UTC|channelId,deviceType")
        #expect(Cuboid(encoded: "only|three|parts") == nil)
    }

    @Test func aHeaderWithSeparatorsIsADimensionThatAnswers() throws {
        let csv = "time,\"Promo, Code\",Region|Zone,numberOfSession\n2021-09-01,\"Spring, 2021\",west|1,3\n2021-09-01,Roku,east|2,4\n2021-09-02,Roku,east|2,5\n"
        let (store, dir) = try makeStore(try importText(csv, name: "odd.csv"))
        defer { try? FileManager.default.removeItem(at: dir) }
        var q = AggregateQuery()
        q.by = ["Promo, Code"]
        q.metrics = ["totalSessions"]
        #expect(try AggregateEngine.run(q, store: store).rows == [[.text("Roku"), .integer(9)], [.text("Spring, 2021"), .integer(3)]])
        q.by = ["Region|Zone"]
        q.filters = ["Promo, Code": ["Roku"]]
        #expect(try AggregateEngine.run(q, store: store).rows == [[.text("east|2"), .integer(9)]])
        let summary = try store.summary()
        #expect(summary.contains("Promo, Code,Region|Zone") && !summary.contains("%2C"), "\(summary)")
    }
}

/// A damaged manifest is named as corrupt (file and line), never read as a smaller store.
@Suite struct ManifestCorruptionTests {
    @Test func corruptedAndTruncatedManifestsAreRefused() throws {
        let (store, dir) = try makeStore(try importText(vendorSample))
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = store.path + "/manifest"
        let good = try String(contentsOfFile: path, encoding: .utf8)
        let lines = good.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let segmentLine = try #require(lines.firstIndex { $0.hasPrefix("segment\t") })
        let sourceLine = try #require(lines.firstIndex { $0.hasPrefix("source\t") })
        var damaged: [(String, String)] = [
            ("not UTF-8", "colan-store\t1\n\u{FFFF}"),
            ("no header", lines.dropFirst().joined(separator: "\n")),
            ("an unknown record", good + "\nmystery\t1\n"),
        ]
        // A segment line cut short, a source line with a non-number, and the file cut in the middle of a line.
        var cut = lines
        cut[segmentLine] = cut[segmentLine].split(separator: "\t").prefix(4).joined(separator: "\t")
        damaged.append(("a truncated segment record", cut.joined(separator: "\n")))
        var bad = lines
        var fields = bad[sourceLine].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        fields[4] = "many"
        bad[sourceLine] = fields.joined(separator: "\t")
        damaged.append(("a source record with a non-number", bad.joined(separator: "\n")))
        damaged.append(("a file cut mid-line", String(good.prefix(good.count - 40))))
        for (what, text) in damaged {
            if what == "not UTF-8" {
                var bytes = Array("colan-store\t1\n".utf8)
                bytes += [0xFF, 0xFE, 0x00]
                try Data(bytes).write(to: URL(fileURLWithPath: path))
            } else {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            }
            do {
                _ = try Store(path: store.path)
                Issue.record("\(what): opened")
            } catch let error as ColanError {
                #expect(error.description.contains("corrupt") && error.description.contains("manifest"), "\(what): \(error.description)")
            }
        }
    }
}
