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
