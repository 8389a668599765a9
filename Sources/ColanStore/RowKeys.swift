import ColanSupport
import ColanColumns
import ColanCatalog

/// A row's report key without its cuboid: the values of the cuboid's
/// specific dimensions and the row's time bucket, hashed to 128 bits.
/// Two rows of one cuboid with equal keys report the same slice, so the
/// later import replaces the earlier row.
package struct RowKey: Hashable, Sendable {
    package var a: UInt64
    package var b: UInt64

    /// The key of the two 64-bit halves.
    package init(a: UInt64, b: UInt64) {
        self.a = a
        self.b = b
    }
}

package enum RowKeys {
    /// The cuboid of a report, encoded (`Cuboid.encoded`: the report key without its values).
    static func cuboid(kind: String, interval: String, zone: String, dimensions: [String]) -> String {
        Cuboid(kind: kind, interval: interval, zone: zone, dimensions: dimensions).encoded
    }

    /// The dimensions named by an encoded cuboid.
    package static func dimensions(ofCuboid cuboid: String) -> [String] { Cuboid(encoded: cuboid)?.dimensions ?? [] }

    /// The key of every row of `table` for the given dimensions (sorted).
    static func keys(_ table: Table, dimensions: [String]) -> [RowKey] {
        let n = table.rowCount
        let times: [Int64]? = table.schema.index(of: "time").flatMap { i in
            if case .int64(let t) = table.columns[i].values { return t } else { return nil }
        }
        // Each dimension column as per-row UTF-8 byte strings (null as a marker byte).
        let columns: [[[UInt8]]] = dimensions.sorted().map { dim in
            guard let i = table.schema.index(of: dim) else { return [] }
            let column = table.columns[i]
            switch column.values {
            case .dictionary(let d, let codes):
                let bytes = d.map { Array($0.utf8) }
                return (0..<n).map { r in column.validity?[r] == false ? [0xFF] : bytes[Int(codes[r])] }
            case .string(let s):
                return (0..<n).map { r in column.validity?[r] == false ? [0xFF] : Array(s[r].utf8) }
            default:
                return []
            }
        }
        var scratch: [UInt8] = []
        return (0..<n).map { r in
            scratch.removeAll(keepingCapacity: true)
            let t = times?[r] ?? 0
            withUnsafeBytes(of: t.littleEndian) { scratch.append(contentsOf: $0) }
            for c in columns {
                if !c.isEmpty { scratch.append(contentsOf: c[r]) }
                scratch.append(0xFE)  // separator: never valid inside UTF-8
            }
            return scratch.withUnsafeBytes { let (a, b) = Checksum.xxh64Pair($0, seeds: 1, 2); return RowKey(a: a, b: b) }
        }
    }
}
