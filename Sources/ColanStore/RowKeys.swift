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

    /// The key of every row of `table` for the given dimensions: XXH64 with seeds 1 and 2 of the
    /// row's time and, for each dimension (sorted by name), the 128-bit hash of its UTF-8 value
    /// (a null, and a dimension the table lacks, each hash as a value no UTF-8 text has). Keys
    /// are compared within one import, never stored.
    ///
    /// A dictionary's values are hashed once each and rows are filled a block at a time, one
    /// dimension after another: replacing a big file's rows makes tens of millions of keys.
    static func keys(_ table: Table, dimensions: [String]) -> [RowKey] {
        let n = table.rowCount
        let times: [Int64] = table.schema.index(of: "time").flatMap { i in
            if case .int64(let t) = table.columns[i].values { return t } else { return nil }
        } ?? [Int64](repeating: 0, count: n)
        let null = hash([0xFF]), absent = hash([0xFE])
        // Each dimension's value hashes: by dictionary code, or by row for plain text.
        let columns: [(hashes: [UInt64], codes: [UInt32]?, validity: [Bool]?)] = dimensions.sorted().map { dim in
            guard let i = table.schema.index(of: dim) else { return ([absent.0, absent.1], [UInt32](repeating: 0, count: n), nil) }
            let column = table.columns[i]
            switch column.values {
            case .dictionary(let d, let codes): return (d.flatMap { v in let h = hash(Array(v.utf8)); return [h.0, h.1] }, codes, column.validity)
            case .string(let s): return (s.flatMap { v in let h = hash(Array(v.utf8)); return [h.0, h.1] }, nil, column.validity)
            default: return ([absent.0, absent.1], [UInt32](repeating: 0, count: n), nil)
            }
        }
        let width = 1 + 2 * columns.count
        let blockRows = 4096
        var words = [UInt64](repeating: 0, count: blockRows * width)
        var keys: [RowKey] = []
        keys.reserveCapacity(n)
        var start = 0
        while start < n {
            let rows = min(blockRows, n - start)
            for r in 0..<rows { words[r * width] = UInt64(bitPattern: times[start + r]) }
            for (c, column) in columns.enumerated() {
                fill(&words, width: width, slot: 1 + 2 * c, rows: start..<(start + rows), hashes: column.hashes, codes: column.codes,
                     validity: column.validity, null: null)
            }
            words.withUnsafeBytes { raw in
                for r in 0..<rows {
                    let row = UnsafeRawBufferPointer(rebasing: raw[(r * width * 8)..<((r + 1) * width * 8)])
                    let (a, b) = Checksum.xxh64Pair(row, seeds: 1, 2)
                    keys.append(RowKey(a: a, b: b))
                }
            }
            start += rows
        }
        return keys
    }

    /// One dimension's value hashes of `rows` into their slot of each row's words.
    private static func fill(_ words: inout [UInt64], width: Int, slot: Int, rows: Range<Int>, hashes: [UInt64], codes: [UInt32]?,
                             validity: [Bool]?, null: (UInt64, UInt64)) {
        if let codes {
            for (r, row) in rows.enumerated() {
                let value = 2 * Int(codes[row])
                words[r * width + slot] = hashes[value]
                words[r * width + slot + 1] = hashes[value + 1]
            }
        } else {
            for (r, row) in rows.enumerated() {
                words[r * width + slot] = hashes[2 * row]
                words[r * width + slot + 1] = hashes[2 * row + 1]
            }
        }
        if let validity {
            for (r, row) in rows.enumerated() where !validity[row] {
                words[r * width + slot] = null.0
                words[r * width + slot + 1] = null.1
            }
        }
    }

    /// The 128-bit hash of a value's bytes.
    private static func hash(_ bytes: [UInt8]) -> (UInt64, UInt64) {
        bytes.withUnsafeBytes { Checksum.xxh64Pair($0, seeds: 1, 2) }
    }
}

/// A set of row keys in one open-addressed table. The keys are hashes already, so the first
/// half of a key picks its slot: Swift's `Set` hashes each key again (SipHash), which was most
/// of the time of a big file's replacement.
struct RowKeySet {
    /// Slots of keys; `RowKey(a: 0, b: 0)` marks an empty one (that key itself is `hasZero`).
    private var slots: [RowKey]
    private let mask: Int
    private var hasZero = false

    /// The set of `keys`.
    init(_ keys: [RowKey]) {
        var capacity = 16
        while capacity < keys.count * 2 { capacity *= 2 }
        slots = [RowKey](repeating: RowKey(a: 0, b: 0), count: capacity)
        mask = capacity - 1
        for key in keys { insert(key) }
    }

    private mutating func insert(_ key: RowKey) {
        if key.a == 0 && key.b == 0 { hasZero = true; return }
        var i = Int(truncatingIfNeeded: key.a) & mask
        while true {
            let slot = slots[i]
            if slot == key { return }
            if slot.a == 0 && slot.b == 0 { slots[i] = key; return }
            i = (i + 1) & mask
        }
    }

    /// Whether `key` is in the set.
    func contains(_ key: RowKey) -> Bool {
        if key.a == 0 && key.b == 0 { return hasZero }
        var i = Int(truncatingIfNeeded: key.a) & mask
        while true {
            let slot = slots[i]
            if slot == key { return true }
            if slot.a == 0 && slot.b == 0 { return false }
            i = (i + 1) & mask
        }
    }
}
