import Dispatch
import ColanSupport
import ColanFormat

/// Writes Apache Parquet files (https://github.com/apache/parquet-format: parquet.thrift,
/// Encodings.md), the hand-off format every engine reads. No Swift Parquet library builds on
/// this platform, so this is written against the specification and checked with independent
/// readers (pyarrow, DuckDB) in the tests. What it writes, chosen for the widest reading:
///
/// - data page v1, each column chunk compressed with ZSTD (level 3);
/// - strings: a dictionary page (PLAIN) and RLE_DICTIONARY indices (bit width at least 1), or
///   PLAIN past `dictionaryLimit` bytes of distinct values; never an empty dictionary; STRING
///   logical type with the UTF8 converted type;
/// - integers and doubles PLAIN; the time as INT64 TIMESTAMP(isAdjustedToUTC, MICROS) with the
///   TIMESTAMP_MICROS converted type;
/// - every column but the time OPTIONAL, with RLE definition levels;
/// - min/max/null-count statistics (and the legacy min/max for integers and doubles),
///   `column_orders` (type defined order), `created_by` as "colan version X (build Y)".
final class ParquetWriter {
    /// One column of the schema.
    struct Column {
        enum Kind { case timestamp, string, int64, double, boolean }
        var name: String
        var kind: Kind
    }

    /// One column's values in a row group. `valid` nil: no nulls.
    enum Values {
        /// int64 values (a timestamp column: UTC microseconds).
        case int64([Int64], valid: [Bool]?)
        case double([Double], valid: [Bool]?)
        case boolean([Bool], valid: [Bool]?)
        /// Row i is `dictionary[codes[i]]` (any dictionary order; unused entries are dropped).
        case strings(dictionary: [String], codes: [UInt32], valid: [Bool]?)
    }

    /// Distinct string bytes a chunk's dictionary may hold before the chunk falls back to PLAIN.
    static let dictionaryLimit = 1 << 20
    static let createdBy = "colan version \(ColanVersion.string) (build release)"

    private let file: AppendFile
    private let columns: [Column]
    private let keyValues: [(String, String)]
    private var rowGroups: [[UInt8]] = []  // each RowGroup struct, encoded
    private var rows: Int64 = 0

    /// Starts a file at `path` (written front to back; the footer by `close`).
    init(path: String, columns: [Column], keyValues: [(String, String)] = []) throws {
        self.columns = columns
        self.keyValues = keyValues
        file = try AppendFile(path: path)
        try file.append(Array("PAR1".utf8))
    }

    /// Appends a row group of `count` rows, one `Values` per column, in schema order.
    func writeRowGroup(count: Int, _ values: [Values]) throws {
        precondition(values.count == columns.count)
        // Column chunks are independent: encoded and compressed on all cores, then written in order.
        let encoded = Slots<(bytes: [UInt8], meta: ChunkMeta)>(count: columns.count)
        let columns = self.columns
        DispatchQueue.concurrentPerform(iterations: columns.count) { c in
            encoded.set(c, Self.encodeChunk(columns[c], values[c], count: count))
        }
        var chunks: [ChunkMeta] = []
        let start = Int64(file.offset)
        for var chunk in encoded.filled {
            // Page offsets were relative to the chunk's start.
            let at = Int64(file.offset)
            chunk.meta.firstPage += at
            chunk.meta.dataPage += at
            chunk.meta.dictionaryPage = chunk.meta.dictionaryPage.map { $0 + at }
            try file.append(chunk.bytes)
            chunks.append(chunk.meta)
        }
        var t = ThriftWriter()
        let total = chunks.reduce(Int64(0)) { $0 + $1.uncompressed }
        t.structBody { t in
            t.list(1, structs: chunks.count) { t, i in
                let m = chunks[i]
                t.i64(2, m.firstPage)
                t.structure(3) { t in self.columnMetaData(&t, m) }
            }
            t.i64(2, total)
            t.i64(3, Int64(count))
            t.i64(5, start)
            t.i64(6, Int64(file.offset) - start)
            t.i16(7, Int16(truncatingIfNeeded: rowGroups.count))
        }
        rowGroups.append(t.bytes)
        rows += Int64(count)
    }

    /// Writes the footer (FileMetaData, its length, "PAR1") and closes the file.
    func close(sync: Bool) throws {
        var t = ThriftWriter()
        t.structBody { t in
            t.i32(1, 1)
            t.list(2, structs: columns.count + 1) { t, i in
                if i == 0 {
                    t.string(4, "schema")
                    t.i32(5, Int32(self.columns.count))
                    return
                }
                self.schemaElement(&t, self.columns[i - 1])
            }
            t.i64(3, rows)
            t.list(4, encodedStructs: rowGroups)
            if !keyValues.isEmpty {
                t.list(5, structs: keyValues.count) { t, i in
                    t.string(1, self.keyValues[i].0)
                    t.string(2, self.keyValues[i].1)
                }
            }
            t.string(6, Self.createdBy)
            // ColumnOrder: the union's TypeDefinedOrder (field 1, an empty struct) for every column.
            t.list(7, structs: columns.count) { t, _ in t.structure(1) { _ in } }
        }
        let footer = t.bytes
        try file.append(footer)
        let n = UInt32(footer.count)
        try file.append([UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)] + Array("PAR1".utf8))
        try file.close(sync: sync)
    }

    // MARK: Schema and metadata

    private func schemaElement(_ t: inout ThriftWriter, _ c: Column) {
        switch c.kind {
        case .timestamp:
            t.i32(1, 2)  // INT64
            t.i32(3, 0)  // REQUIRED
            t.string(4, c.name)
            t.i32(6, 10)  // TIMESTAMP_MICROS
            t.structure(10) { t in
                t.structure(8) { t in  // TIMESTAMP
                    t.bool(1, true)  // isAdjustedToUTC
                    t.structure(2) { t in t.structure(2) { _ in } }  // unit: MICROS
                }
            }
        case .string:
            t.i32(1, 6)  // BYTE_ARRAY
            t.i32(3, 1)  // OPTIONAL
            t.string(4, c.name)
            t.i32(6, 0)  // UTF8
            t.structure(10) { t in t.structure(1) { _ in } }  // STRING
        case .int64:
            t.i32(1, 2)
            t.i32(3, 1)
            t.string(4, c.name)
        case .double:
            t.i32(1, 5)  // DOUBLE
            t.i32(3, 1)
            t.string(4, c.name)
        case .boolean:
            t.i32(1, 0)  // BOOLEAN
            t.i32(3, 1)
            t.string(4, c.name)
        }
    }

    /// What the footer records of a column chunk.
    struct ChunkMeta {
        var type: Int32
        var encodings: [Int32]
        var path: String
        var values: Int64
        var uncompressed: Int64
        var compressed: Int64
        var firstPage: Int64
        var dataPage: Int64
        var dictionaryPage: Int64?
        var nulls: Int64
        var minMax: (min: [UInt8], max: [UInt8], legacy: Bool)?
    }

    private func columnMetaData(_ t: inout ThriftWriter, _ m: ChunkMeta) {
        t.i32(1, m.type)
        t.list(2, i32s: m.encodings)
        t.list(3, strings: [m.path])
        t.i32(4, 6)  // ZSTD
        t.i64(5, m.values)
        t.i64(6, m.uncompressed)
        t.i64(7, m.compressed)
        t.i64(9, m.dataPage)
        if let d = m.dictionaryPage { t.i64(11, d) }
        t.structure(12) { t in
            if let s = m.minMax, s.legacy {
                t.binary(1, s.max)
                t.binary(2, s.min)
            }
            t.i64(3, m.nulls)
            if let s = m.minMax {
                t.binary(5, s.max)
                t.binary(6, s.min)
            }
        }
    }

    // MARK: Pages

    /// Encodes one column chunk (dictionary page if any, one data page); page offsets relative to its start.
    private static func encodeChunk(_ c: Column, _ v: Values, count: Int) -> (bytes: [UInt8], meta: ChunkMeta) {
        let at: Int64 = 0
        var out: [UInt8] = []
        var uncompressed: Int64 = 0
        let optional = c.kind != .timestamp
        var levels: [UInt8] = []
        let valid: [Bool]?
        switch v {
        case .int64(_, let x), .double(_, let x), .boolean(_, let x), .strings(_, _, let x): valid = x
        }
        let nulls = valid.map { $0.reduce(0) { $0 + ($1 ? 0 : 1) } } ?? 0
        if optional { levels = Self.definitionLevels(valid, count: count) }
        var body: [UInt8] = []
        var encoding: Int32 = 0  // PLAIN
        var encodings: Set<Int32> = [0]
        var dictionaryOffset: Int64?
        var minMax: (min: [UInt8], max: [UInt8], legacy: Bool)?
        let type: Int32
        func isValid(_ i: Int) -> Bool { valid?[i] ?? true }
        switch v {
        case .int64(let values, _):
            type = 2
            var lo = Int64.max, hi = Int64.min
            if valid == nil {
                // PLAIN is the values' little-endian bytes: copied whole (every supported platform is little-endian).
                values.withUnsafeBytes { body.append(contentsOf: $0.prefix(count * 8)) }
                for i in 0..<count { lo = min(lo, values[i]); hi = max(hi, values[i]) }
            } else {
                body.reserveCapacity(values.count * 8)
                for i in 0..<count where isValid(i) {
                    Self.le(values[i], into: &body)
                    lo = min(lo, values[i]); hi = max(hi, values[i])
                }
            }
            if lo <= hi { minMax = (Self.leBytes(lo), Self.leBytes(hi), true) }
        case .double(let values, _):
            type = 5
            var lo = Double.infinity, hi = -Double.infinity
            for i in 0..<count where isValid(i) {
                Self.le(Int64(bitPattern: values[i].bitPattern), into: &body)
                if !values[i].isNaN { lo = min(lo, values[i]); hi = max(hi, values[i]) }
            }
            if lo <= hi {
                // -0.0 and +0.0: the spec asks min to be written as -0.0 and max as +0.0.
                let l = lo == 0 ? -0.0 : lo, h = hi == 0 ? 0.0 : hi
                minMax = (Self.leBytes(Int64(bitPattern: l.bitPattern)), Self.leBytes(Int64(bitPattern: h.bitPattern)), true)
            }
        case .boolean(let values, _):
            type = 0
            var bit = 0
            var byte: UInt8 = 0
            for i in 0..<count where isValid(i) {
                if values[i] { byte |= 1 << UInt8(bit) }
                bit += 1
                if bit == 8 { body.append(byte); byte = 0; bit = 0 }
            }
            if bit > 0 { body.append(byte) }
        case .strings(let dictionary, let codes, _):
            type = 6
            // The chunk's own dictionary: the entries its rows use, in first-use order.
            var map = [Int32](repeating: -1, count: dictionary.count)
            var used: [Int] = []
            var bytes = 0
            var indices: [UInt32] = []
            indices.reserveCapacity(count)
            for i in 0..<count where isValid(i) {
                let code = Int(codes[i])
                if map[code] < 0 {
                    map[code] = Int32(used.count)
                    used.append(code)
                    bytes += dictionary[code].utf8.count + 4
                }
                indices.append(UInt32(map[code]))
            }
            if !used.isEmpty {
                var lo = Array(dictionary[used[0]].utf8), hi = lo
                for u in used.dropFirst() {
                    let s = Array(dictionary[u].utf8)
                    if s.lexicographicallyPrecedes(lo) { lo = s }
                    if hi.lexicographicallyPrecedes(s) { hi = s }
                }
                minMax = (lo, hi, false)
            }
            if !used.isEmpty && bytes <= Self.dictionaryLimit {
                // Dictionary page: the used values, PLAIN.
                var page: [UInt8] = []
                page.reserveCapacity(bytes)
                for u in used { Self.plain(dictionary[u], into: &page) }
                var h = ThriftWriter()
                let compressed = Self.compress(page)
                h.structBody { t in
                    t.i32(1, 2)  // DICTIONARY_PAGE
                    t.i32(2, Int32(page.count))
                    t.i32(3, Int32(compressed.count))
                    t.structure(7) { t in
                        t.i32(1, Int32(used.count))
                        t.i32(2, 2)  // PLAIN_DICTIONARY
                    }
                }
                dictionaryOffset = at
                out += h.bytes
                out += compressed
                uncompressed += Int64(h.bytes.count + page.count)
                encodings.insert(2)
                // Indices: bit width, then one bit-packed run of the RLE/bit-packing hybrid.
                let width = max(1, Int.bitWidth - (used.count - 1).leadingZeroBitCount)
                body.append(UInt8(width))
                Self.bitPacked(indices, width: width, into: &body)
                encoding = 8  // RLE_DICTIONARY
                encodings.insert(8)
                encodings.remove(0)
            } else {
                for i in 0..<count where isValid(i) { Self.plain(dictionary[Int(codes[i])], into: &body) }
            }
        }
        // The data page: definition levels (length-prefixed), then the values; compressed together.
        var page: [UInt8] = []
        if optional {
            let n = UInt32(levels.count)
            page += [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
            page += levels
            encodings.insert(3)
        }
        page += body
        let compressed = Self.compress(page)
        var h = ThriftWriter()
        h.structBody { t in
            t.i32(1, 0)  // DATA_PAGE
            t.i32(2, Int32(page.count))
            t.i32(3, Int32(compressed.count))
            t.structure(5) { t in
                t.i32(1, Int32(count))
                t.i32(2, encoding)
                t.i32(3, 3)  // RLE definition levels
                t.i32(4, 3)  // RLE repetition levels (none: no repeated fields)
            }
        }
        let dataOffset = at + Int64(out.count)
        out += h.bytes
        out += compressed
        uncompressed += Int64(h.bytes.count + page.count)
        let meta = ChunkMeta(type: type, encodings: encodings.sorted(), path: c.name, values: Int64(count), uncompressed: uncompressed,
                             compressed: Int64(out.count), firstPage: dictionaryOffset ?? dataOffset, dataPage: dataOffset,
                             dictionaryPage: dictionaryOffset, nulls: Int64(nulls), minMax: minMax)
        return (out, meta)
    }

    /// zstd level 3: on the 10M-row history it made the export 47.7 MB against level 1's 51.1 MB in the
    /// same time (chunks are compressed on both cores; docs/DECISIONS.md).
    static func compress(_ page: [UInt8]) -> [UInt8] { page.withUnsafeBytes { Zstd.compress($0, level: 3) } }

    static func le(_ v: Int64, into out: inout [UInt8]) {
        let u = UInt64(bitPattern: v)
        for s in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: u >> UInt64(s))) }
    }

    static func leBytes(_ v: Int64) -> [UInt8] {
        var out: [UInt8] = []
        le(v, into: &out)
        return out
    }

    static func plain(_ s: String, into out: inout [UInt8]) {
        let n = UInt32(s.utf8.count)
        out += [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
        out += s.utf8
    }

    static func varint(_ value: Int, into out: inout [UInt8]) {
        var v = UInt64(value)
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }

    /// Definition levels (1 a value, 0 a null) as RLE runs of the hybrid encoding, bit width 1.
    static func definitionLevels(_ valid: [Bool]?, count: Int) -> [UInt8] {
        var out: [UInt8] = []
        guard let valid else {
            if count > 0 { varint(count << 1, into: &out); out.append(1) }
            return out
        }
        var i = 0
        while i < count {
            var j = i + 1
            while j < count && valid[j] == valid[i] { j += 1 }
            varint((j - i) << 1, into: &out)
            out.append(valid[i] ? 1 : 0)
            i = j
        }
        return out
    }

    /// Values as one bit-packed run of the hybrid encoding: header (groups of 8 << 1 | 1), then the
    /// values LSB first, the last group padded with zeros (allowed for the last run).
    static func bitPacked(_ values: [UInt32], width: Int, into out: inout [UInt8]) {
        let groups = (values.count + 7) / 8
        guard groups > 0 else { return }
        varint(groups << 1 | 1, into: &out)
        var acc: UInt64 = 0
        var bits = 0
        for g in 0..<(groups * 8) {
            let v = g < values.count ? UInt64(values[g]) : 0
            acc |= v << UInt64(bits)
            bits += width
            while bits >= 8 {
                out.append(UInt8(truncatingIfNeeded: acc))
                acc >>= 8
                bits -= 8
            }
        }
        if bits > 0 { out.append(UInt8(truncatingIfNeeded: acc)) }
    }
}
