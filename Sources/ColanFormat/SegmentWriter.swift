import Dispatch
import ColanSupport
import ColanColumns

// The .colan segment file, version 1 (docs/FORMAT.md has the full specification):
//
//   offset 0                                                  end of file
//   +--------+---------------------------+---------+----------------------+
//   | header | column chunks, row group  | footer  | trailer (24 bytes)   |
//   | 16 B   | by row group, no padding  |         |                      |
//   +--------+---------------------------+---------+----------------------+
//
//   header:  "COLANSEG" | u16 version | u16 flags (0) | u32 reserved (0)
//   chunk:   [u8 has validity][validity words][value stream]   (encodings in Encodings/)
//   footer:  schema | metadata | row count | per row group: rows, per column:
//            offset, length, XXH64, encoding, zstd flag, description, raw size, nulls, min/max
//   trailer: u64 XXH64(footer, seed: version) | u32 footer length | u16 version | u16 flags | "COLANEND"
//
// All integers are little-endian. Readers find the footer from the trailer.
// Every byte is checked on read (magics, versions, zero flags, checksums), so
// there is no padding: a flipped byte anywhere is detected.

/// The layout constants of the segment format.
public enum SegmentLayout {
    /// The format version this build writes, and the newest it reads.
    public static let version: UInt16 = 1
    /// The first eight bytes of every segment.
    static let headerMagic = Array("COLANSEG".utf8)
    /// The last eight bytes of every segment.
    static let trailerMagic = Array("COLANEND".utf8)
    /// Header size in bytes.
    static let headerSize = 16
    /// Trailer size in bytes.
    static let trailerSize = 24
    /// Default rows per row group: 64 vectors (131,072 rows). Measured on 10M
    /// generated rows: 64K-row groups repeat each string dictionary twice as
    /// often (+1.1 MB), 256K-row groups skip more coarsely and compress no better.
    public static let defaultRowGroupSize = 64 * vectorSize
}

/// Where the writer may use zstd. zstd decodes at 400-700 MB/s per core on
/// this kind of machine, one to two orders of magnitude slower than
/// bit-unpacking, so it stays off the columns a rollup scans unless asked.
public enum ZstdPolicy: String, Sendable, CaseIterable {
    /// No zstd anywhere: every chunk decodes at lightweight-encoding speed.
    case never
    /// The default. zstd on cold data: string dictionaries and plain strings,
    /// floats, and the code streams of string columns and integer attribute
    /// columns where it saves at least 20%. Never on time or metric integers.
    case cold
    /// Also on time and metric integers where it saves at least 20%: the
    /// smallest files, for archives that are rarely scanned.
    case everywhere
}

/// Writes a `Table` as a `.colan` segment.
public enum SegmentWriter {
    /// Encodes `table` into the bytes of a segment file. Row groups are
    /// encoded in parallel on all cores.
    /// - Parameter rowGroupSize: rows per row group, a positive multiple of 256.
    /// - Parameter zstd: where zstd may be used.
    public static func encode(_ table: Table, rowGroupSize: Int = SegmentLayout.defaultRowGroupSize,
                              zstd: ZstdPolicy = .cold) -> [UInt8] {
        precondition(rowGroupSize > 0 && rowGroupSize % bitPackBlockSize == 0, "row group size must be a multiple of 256")
        precondition(table.columns.count == table.schema.columns.count, "one ColumnData per schema column")
        let rows = table.rowCount
        precondition(table.columns.allSatisfy { $0.count == rows }, "all columns have the same number of rows")
        let groupCount = (rows + rowGroupSize - 1) / rowGroupSize
        let columnCount = table.columns.count
        // What every chunk of a dictionary column shares, computed once per column:
        // the dictionary's UTF-8 order and each entry's length.
        let shared = Slots<ChunkEncoder.SharedDictionary>(count: columnCount)
        DispatchQueue.concurrentPerform(iterations: columnCount) { c in
            if case .dictionary(let dictionary, _) = table.columns[c].values { shared.set(c, ChunkEncoder.SharedDictionary(dictionary)) }
        }
        let sharedDictionaries = shared.values
        // Encode every (row group, column) chunk independently, in parallel.
        let encoded = UnsafeMutableBufferPointer<EncodedChunk?>.allocate(capacity: max(groupCount * columnCount, 1))
        encoded.initialize(repeating: nil)
        defer { encoded.deinitialize(); encoded.deallocate() }
        let slots = UncheckedSendable(encoded)  // jobs write disjoint slots
        DispatchQueue.concurrentPerform(iterations: groupCount * columnCount) { job in
            let g = job / columnCount, c = job % columnCount
            let range = (g * rowGroupSize)..<min((g + 1) * rowGroupSize, rows)
            let column = table.schema.columns[c]
            var chunk = ChunkEncoder.encode(table.columns[c], range: range, type: column.type, role: column.role, policy: zstd,
                                            shared: sharedDictionaries[c])
            chunk.rawSize = rawSize(table.columns[c].values, range, sharedDictionaries[c])
            chunk.checksum = Checksum.xxh64(chunk.bytes)
            slots.value[job] = chunk
        }
        // Sized once for header, chunks and a generous footer: growing a buffer of megabytes copies it.
        var chunkBytes = 0
        for job in 0..<(groupCount * columnCount) { chunkBytes += encoded[job]?.bytes.count ?? 0 }
        var w = ByteWriter(capacity: SegmentLayout.headerSize + chunkBytes + 4096 + 256 * groupCount * columnCount)
        w.raw(SegmentLayout.headerMagic)
        w.u16(SegmentLayout.version)
        w.u16(0)
        w.u32(0)
        var groups: [RowGroupInfo] = []
        for g in 0..<groupCount {
            let groupRows = min((g + 1) * rowGroupSize, rows) - g * rowGroupSize
            var chunks: [ChunkInfo] = []
            for c in 0..<columnCount {
                guard let chunk = encoded[g * columnCount + c] else { preconditionFailure("every chunk is encoded") }
                let offset = w.count
                w.raw(chunk.bytes)
                chunks.append(ChunkInfo(offset: offset, length: chunk.bytes.count, checksum: chunk.checksum,
                                        encoding: chunk.encoding, encodingDescription: chunk.description,
                                        usesZstd: chunk.usesZstd,
                                        rawSize: chunk.rawSize,
                                        nullCount: chunk.nullCount, statistics: chunk.statistics))
            }
            groups.append(RowGroupInfo(rowCount: groupRows, chunks: chunks))
        }
        let footer = SegmentFooter(schema: table.schema, metadata: table.metadata, rowCount: rows, rowGroups: groups)
        let footerBytes = footer.serialize()
        w.raw(footerBytes)
        w.u64(footerBytes.withUnsafeBytes { Checksum.xxh64($0, seed: UInt64(SegmentLayout.version)) })
        w.u32(UInt32(footerBytes.count))
        w.u16(SegmentLayout.version)
        w.u16(0)
        w.raw(SegmentLayout.trailerMagic)
        return w.bytes
    }

    /// Encodes `table` and writes it to `path`; with `sync`, fsyncs the file.
    public static func write(_ table: Table, to path: String, rowGroupSize: Int = SegmentLayout.defaultRowGroupSize,
                             zstd: ZstdPolicy = .cold, sync: Bool = false) throws {
        try FileIO.write(encode(table, rowGroupSize: rowGroupSize, zstd: zstd), to: path, sync: sync)
    }

    /// The bytes the chunk's values take unencoded (8 per number, 1 per bool,
    /// 4 plus the UTF-8 bytes per string), shown by `colan info`.
    private static func rawSize(_ values: ColumnValues, _ range: Range<Int>, _ shared: ChunkEncoder.SharedDictionary?) -> Int {
        switch values {
        case .int64, .float64: return 8 * range.count
        case .bool: return range.count
        case .string(let s): return s[range].reduce(0) { $0 + 4 + $1.utf8.count }
        case .dictionary(let dictionary, let codes):
            // Each entry's length, computed once per column by the caller.
            let lengths = shared?.lengths ?? dictionary.map { $0.utf8.count }
            // Codes index the dictionary, which has a length per entry (checked once): unchecked loads.
            StringEncoder.requireCodes(codes[range], below: lengths.count)
            var total = 4 * range.count
            lengths.withUnsafeBufferPointer { length in
                codes[range].withUnsafeBufferPointer { cs in
                    for c in cs { total &+= length[Int(c)] }
                }
            }
            return total
        }
    }
}
