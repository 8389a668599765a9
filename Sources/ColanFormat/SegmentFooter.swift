import ColanSupport
import ColanColumns

/// Where one column chunk lives in the file, how it is encoded and what it holds.
public struct ChunkInfo: Sendable, Equatable {
    /// Byte offset of the chunk body from the start of the file.
    public var offset: Int
    /// Length of the chunk body in bytes.
    public var length: Int
    /// XXH64 of the chunk body.
    public var checksum: UInt64
    /// The top-level encoding tag (see docs/FORMAT.md).
    public var encoding: UInt8
    /// The encoding tree in words, e.g. "dict(rle(bitpack,bitpack))+zstd".
    public var encodingDescription: String
    /// Whether any part of the chunk is zstd-compressed.
    public var usesZstd: Bool
    /// Size of the values in their plain form (8 bytes a number, 1 a bool, 4 + length a string).
    public var rawSize: Int
    /// Rows that hold no value.
    public var nullCount: Int
    /// Min and max of the non-null values.
    public var statistics: ChunkStatistics
}

/// A row group: a run of consecutive rows, one chunk per column.
public struct RowGroupInfo: Sendable, Equatable {
    /// Rows in this group.
    public var rowCount: Int
    /// One chunk per schema column, in schema order.
    public var chunks: [ChunkInfo]
}

/// Everything the footer holds: schema, metadata, row groups.
public struct SegmentFooter: Sendable, Equatable {
    /// The table's columns.
    public var schema: Schema
    /// Key/value metadata (report kind, interval, zone, fixed dimension values, ...).
    public var metadata: [String: String]
    /// Total rows.
    public var rowCount: Int
    /// The row groups in row order.
    public var rowGroups: [RowGroupInfo]

    func serialize() -> [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(schema.columns.count))
        for c in schema.columns {
            w.string(c.name)
            w.u8(c.type.rawValue)
            let code = c.role.code
            w.u8(code.role)
            w.u8(code.kind)
        }
        w.u32(UInt32(metadata.count))
        for key in metadata.keys.sorted() {
            w.string(key)
            w.string(metadata[key] ?? "")
        }
        w.u64(UInt64(rowCount))
        w.u32(UInt32(rowGroups.count))
        for g in rowGroups {
            w.u32(UInt32(g.rowCount))
            for c in g.chunks {
                w.u64(UInt64(c.offset))
                w.u64(UInt64(c.length))
                w.u64(c.checksum)
                w.u8(c.encoding)
                w.u8(c.usesZstd ? 1 : 0)
                w.string(c.encodingDescription)
                w.u64(UInt64(c.rawSize))
                w.u32(UInt32(c.nullCount))
                switch c.statistics {
                case .none: w.u8(0)
                case .int(let lo, let hi): w.u8(1); w.i64(lo); w.i64(hi)
                case .float(let lo, let hi): w.u8(2); w.f64(lo); w.f64(hi)
                case .string(let lo, let hi): w.u8(3); w.string(lo); w.string(hi)
                }
            }
        }
        return w.bytes
    }

    /// Parses a footer, checking every offset against `chunkArea` (the bytes
    /// between the header and the footer) and every count against what the
    /// footer can hold, so a corrupt footer is an error, never a crash.
    static func parse(_ bytes: UnsafeRawBufferPointer, chunkArea: Range<Int>) throws -> SegmentFooter {
        var r = ByteReader(bytes, what: "footer")
        let columnCount = try r.count(limit: r.remaining / 7)
        var columns: [ColumnSchema] = []
        for i in 0..<columnCount {
            let name = try r.string()
            let typeCode = try r.u8()
            let role = try r.u8()
            let kind = try r.u8()
            guard let type = PhysicalType(rawValue: typeCode) else {
                throw ColanError(.format, "footer is corrupt: column \(i) has unknown type \(typeCode)")
            }
            guard let columnRole = ColumnRole(role: role, kind: kind) else {
                throw ColanError(.format, "footer is corrupt: column \(i) has unknown role \(role)/\(kind)")
            }
            columns.append(ColumnSchema(name, type, columnRole))
        }
        let metadataCount = try r.count(limit: r.remaining / 8)
        var metadata: [String: String] = [:]
        for _ in 0..<metadataCount {
            let key = try r.string()
            metadata[key] = try r.string()
        }
        let rowCount = Int(try r.u64())
        let groupCount = try r.count(limit: r.remaining / 4)
        var groups: [RowGroupInfo] = []
        var total = 0
        for g in 0..<groupCount {
            let rows = Int(try r.u32())
            total += rows
            var chunks: [ChunkInfo] = []
            for c in 0..<columnCount {
                let offset = try r.u64()
                let length = try r.u64()
                guard offset >= UInt64(chunkArea.lowerBound), length <= UInt64(chunkArea.upperBound),
                      offset <= UInt64(chunkArea.upperBound) - length else {
                    throw ColanError(.format, "footer is corrupt: row group \(g), column \(c) points outside the file")
                }
                let checksum = try r.u64()
                let encoding = try r.u8()
                let zstd = try r.u8()
                let description = try r.string()
                let raw = Int(clamping: try r.u64())
                let nulls = Int(try r.u32())
                guard nulls <= rows else {
                    throw ColanError(.format, "footer is corrupt: row group \(g), column \(c) has \(nulls) nulls in \(rows) rows")
                }
                let statsKind = try r.u8()
                let stats: ChunkStatistics
                switch statsKind {
                case 0: stats = .none
                case 1: stats = .int(min: try r.i64(), max: try r.i64())
                case 2: stats = .float(min: try r.f64(), max: try r.f64())
                case 3: stats = .string(min: try r.string(), max: try r.string())
                default: throw ColanError(.format, "footer is corrupt: unknown statistics kind \(statsKind)")
                }
                chunks.append(ChunkInfo(offset: Int(offset), length: Int(length), checksum: checksum, encoding: encoding,
                                        encodingDescription: description, usesZstd: zstd != 0, rawSize: raw,
                                        nullCount: nulls, statistics: stats))
            }
            groups.append(RowGroupInfo(rowCount: rows, chunks: chunks))
        }
        guard total == rowCount else {
            throw ColanError(.format, "footer is corrupt: row groups hold \(total) rows, footer says \(rowCount)")
        }
        guard r.remaining == 0 else { throw ColanError(.format, "footer is corrupt: \(r.remaining) trailing bytes") }
        return SegmentFooter(schema: Schema(columns), metadata: metadata, rowCount: rowCount, rowGroups: groups)
    }
}
