import ColanCore
@testable import ColanStore
import Foundation
import Testing

/// Row keys decide which stored rows an import replaces: two rows must have equal keys exactly
/// when their times and dimension values are equal (a null is no value, not ""), however the
/// values are held (dictionary-coded or plain).
@Suite struct RowKeysTests {
    @Test func keysAreEqualExactlyWhenTimesAndValuesAre() {
        var rng = SeededRandom(seed: 11)
        let rows = 3_000
        let words = ["Roku", "Smart TV", "Ünïcode", "", "a,b", "ch1"]
        let times = (0..<rows).map { _ in Int64.random(in: 0...3, using: &rng) * 3600 + 1_600_000_000 }
        let validity = (0..<rows).map { _ in Int.random(in: 0..<6, using: &rng) != 0 }
        let codes = (0..<rows).map { _ in UInt32.random(in: 0..<UInt32(words.count), using: &rng) }
        let other = (0..<rows).map { _ in words[Int.random(in: 0..<3, using: &rng)] }
        let schema = Schema([ColumnSchema("time", .timestamp, .time), ColumnSchema("deviceType", .string, .dimension),
                             ColumnSchema("channelId", .string, .dimension), ColumnSchema("views", .int64, .metric(.additive))])
        let coded = Table(schema: schema, columns: [ColumnData(.int64(times)), ColumnData(.dictionary(dictionary: words, codes: codes), validity: validity),
                                                    ColumnData(.string(other)), ColumnData(.int64(times.map { $0 % 7 }))])
        let plain = Table(schema: schema, columns: [ColumnData(.int64(times)), ColumnData(.string(codes.map { words[Int($0)] }), validity: validity),
                                                    ColumnData(.dictionary(dictionary: ["Roku", "Smart TV", "Ünïcode"], codes: other.map { UInt32(words.firstIndex(of: $0)!) })),
                                                    ColumnData(.int64(times.map { $0 % 7 }))])
        for dimensions in [["deviceType", "channelId"], ["channelId", "deviceType"], ["deviceType"], ["deviceType", "missing"], []] {
            let keys = RowKeys.keys(coded, dimensions: dimensions)
            #expect(keys == RowKeys.keys(plain, dimensions: dimensions), "\(dimensions)")
            // The row's identity as text: time and each named dimension's value or null.
            func identity(_ r: Int) -> String {
                var parts = ["\(times[r])"]
                for dim in dimensions.sorted() {
                    switch dim {
                    case "deviceType": parts.append(validity[r] ? "v" + words[Int(codes[r])] : "null")
                    case "channelId": parts.append("v" + other[r])
                    default: parts.append("absent")
                    }
                }
                return parts.joined(separator: "|")
            }
            var byIdentity: [String: RowKey] = [:], byKey: [RowKey: String] = [:]
            for r in 0..<rows {
                let id = identity(r)
                #expect(byIdentity[id, default: keys[r]] == keys[r])
                #expect(byKey[keys[r], default: id] == id)
                byIdentity[id] = keys[r]
                byKey[keys[r]] = id
            }
            #expect(byIdentity.count > 10 || dimensions.isEmpty)
        }
    }

    /// The open-addressed key set answers as Swift's Set does, the all-zero key included.
    @Test func rowKeySetAnswersAsASet() {
        var rng = SeededRandom(seed: 5)
        // Few distinct first halves: long probe runs and wrap-around.
        let keys = (0..<5_000).map { _ in RowKey(a: UInt64.random(in: 0..<64, using: &rng), b: UInt64.random(in: 0..<40, using: &rng)) }
        let inSet = Array(keys.prefix(2_500)) + [RowKey(a: 0, b: 0)]
        let set = RowKeySet(inSet), reference = Set(inSet)
        for key in keys + [RowKey(a: 0, b: 0), RowKey(a: .max, b: .max)] { #expect(set.contains(key) == reference.contains(key)) }
        #expect(!RowKeySet(Array(keys.prefix(10))).contains(RowKey(a: 0, b: 0)) || keys.prefix(10).contains(RowKey(a: 0, b: 0)))
    }
}
