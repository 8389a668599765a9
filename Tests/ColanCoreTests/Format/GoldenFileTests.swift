import ColanCore
import Foundation
import Testing

/// Golden files: segments written by earlier versions that every later
/// version must read the same way. Regenerate only for a new format version
/// (COLAN_WRITE_GOLDEN=1 swift test --filter GoldenFileTests), never to make a test pass.
@Suite struct GoldenFileTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Golden")

    /// A small table exercising every type, nulls, runs, dictionaries and special values.
    static func goldenTable() -> Table {
        let schema = Schema([
            ColumnSchema("time", .timestamp, .time),
            ColumnSchema("channelId", .string, .dimension),
            ColumnSchema("deviceType", .string, .dimension),
            ColumnSchema("numberOfSession", .int64, .metric(.additive)),
            ColumnSchema("uniqueViewers", .int64, .metric(.distinctCount)),
            ColumnSchema("avgSessionDuration", .float64, .metric(.derived)),
            ColumnSchema("live", .bool, .attribute),
            ColumnSchema("note", .string, .attribute),
        ])
        let n = 600
        let devices = ["Roku", "Smart TV", "Mobile Phone", "Desktop"]
        let floats: [Double] = [26.31, .nan, .infinity, -.infinity, -0.0, 1.47]
        return Table(schema: schema, columns: [
            ColumnData(.int64((0..<n).map { 1_630_479_600 + Int64($0 / 4) * 3600 })),
            ColumnData(.string((0..<n).map { $0 < 300 ? "star111-sports-hd" : "star122-flix-hd" })),
            ColumnData(.string((0..<n).map { devices[$0 % 4] })),
            ColumnData(.int64((0..<n).map { Int64(($0 * 7919) % 1000) }), validity: (0..<n).map { $0 % 13 != 0 }),
            ColumnData(.int64((0..<n).map { $0 == 0 ? .min : ($0 == 1 ? .max : Int64($0 % 50) - 10) })),
            ColumnData(.float64((0..<n).map { floats[$0 % floats.count] })),
            ColumnData(.bool((0..<n).map { $0 % 3 == 0 })),
            ColumnData(.string((0..<n).map { $0 % 5 == 0 ? "ünïcödé 🎬 \($0)" : "" }), validity: (0..<n).map { $0 % 2 == 0 }),
        ], metadata: ["reportKind": "viewershipAnalytics", "interval": "HOURLY", "timezone": "US/Pacific"])
    }

    /// A line per row, values separated by tabs, nulls as NULL, floats by bits.
    static func dump(_ table: Table) -> String {
        var lines = [table.schema.columns.map { "\($0.name):\($0.type):\($0.role)" }.joined(separator: "\t")]
        lines.append(table.metadata.keys.sorted().map { "\($0)=\(table.metadata[$0]!)" }.joined(separator: "\t"))
        for i in 0..<table.rowCount {
            lines.append(table.columns.map { column -> String in
                if let v = column.validity, !v[i] { return "NULL" }
                switch column.values {
                case .int64(let x): return String(x[i])
                case .bool(let x): return String(x[i])
                case .float64(let x): return String(x[i].bitPattern, radix: 16)
                case .string(let x): return x[i].debugDescription
                case .dictionary(let d, let c): return d[Int(c[i])].debugDescription
                }
            }.joined(separator: "\t"))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func version1GoldenFileReadsTheSame() throws {
        let segment = Self.directory.appendingPathComponent("v1-sample.colan")
        let expected = Self.directory.appendingPathComponent("v1-sample.txt")
        if ProcessInfo.processInfo.environment["COLAN_WRITE_GOLDEN"] == "1" {
            try SegmentWriter.write(Self.goldenTable(), to: segment.path, rowGroupSize: 256)
            try Self.dump(Self.goldenTable()).write(to: expected, atomically: true, encoding: .utf8)
        }
        let table = try SegmentReader(path: segment.path).readTable()
        #expect(Self.dump(table) == (try String(contentsOf: expected, encoding: .utf8)))
        #expect(Self.dump(table) == Self.dump(Self.goldenTable()))
    }
}

/// A store written by manifest version 1 (SampleData imported) that every
/// later colan must read and answer the same way.
@Suite struct GoldenStoreTests {
    @Test func version1StoreAnswersTheSame() throws {
        let path = GoldenFileTests.directory.appendingPathComponent("store-v1").path
        let store = try Store(path: path)
        var q = AggregateQuery()
        q.by = ["deviceType"]
        q.metrics = ["totalSessions", "totalViewershipMinutes"]
        let rows = try AggregateEngine.run(q, store: store).rows
        #expect(rows.count == 6)
        #expect(rows.first == [.text("Desktop"), .integer(741), .integer(20058)])
        q.by = []
        q.metrics = []
        #expect(try AggregateEngine.run(q, store: store).rows.first?.prefix(5) == [.integer(9445), .integer(248539), .integer(6404), .decimal(248539.0 / 9445), .decimal(9445.0 / 6404)])
        #expect(store.verify().corruptions.isEmpty)
    }
}
