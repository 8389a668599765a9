import ColanSupport
import ColanColumns

/// Min/max of a chunk's non-null values, kept in the footer so a reader can
/// skip row groups by time range or dimension filter without decoding them.
public enum ChunkStatistics: Sendable, Equatable {
    /// No statistics (all null, all NaN, or strings longer than `maxStatString` bytes).
    case none
    /// int64, timestamp and bool (0/1) chunks.
    case int(min: Int64, max: Int64)
    /// float64 chunks; NaN is left out.
    case float(min: Double, max: Double)
    /// string chunks, ordered by UTF-8 bytes.
    case string(min: String, max: String)

    /// Longest string kept as a min or max.
    public static let maxStatString = 256
}

/// The decoded values of one column chunk, in 64-byte aligned buffers.
public enum DecodedValues: Sendable {
    /// int64, timestamp (UTC seconds) and bool (0 or 1) values.
    case int64(AlignedBuffer<Int64>)
    /// float64 values.
    case float64(AlignedBuffer<Double>)
    /// Strings as a sorted dictionary and one code per row.
    case string(dictionary: [String], codes: AlignedBuffer<UInt32>)
}

/// One decoded column chunk: its values and, when it has nulls, a validity
/// bitmap (bit i of word i/64 set means row i holds a value; a null row's
/// value slot is unspecified).
public struct ColumnVector: Sendable {
    /// The values.
    public var values: DecodedValues
    /// The validity bitmap, or nil when the chunk has no nulls.
    public var validity: [UInt64]?
    /// The number of rows.
    public var count: Int

    /// Whether row `i` holds a value.
    public func isValid(_ i: Int) -> Bool {
        guard let validity else { return true }
        return validity[i >> 6] & (1 << UInt64(i & 63)) != 0
    }
}

/// The result of encoding one chunk.
struct EncodedChunk {
    var bytes: [UInt8]
    var encoding: UInt8
    var description: String
    var usesZstd: Bool
    var nullCount: Int
    var statistics: ChunkStatistics
    /// Filled in by the segment writer: the unencoded size and XXH64 of `bytes`.
    var rawSize = 0
    var checksum: UInt64 = 0
}

/// Encodes one column chunk:
///
///     [u8 has validity][validity: ceil(n/64) x u64, only when 1][value stream]
///
/// The value stream is an integer, string or float stream (see the encoders).
/// Where zstd may be used is the writer's `ZstdPolicy`.
enum ChunkEncoder {
    /// zstd must save at least this fraction of a code or integer stream to be
    /// used there: below it, decoding at bit-unpacking speed is worth more.
    /// An archive (`.everywhere`) takes any saving of 5% or more.
    static func streamZstdSaving(_ policy: ZstdPolicy) -> Double { policy == .everywhere ? 0.05 : 0.2 }

    /// What the chunks of one dictionary column share: each entry's rank in
    /// UTF-8 order (chunks sort their local dictionaries by it, and take their
    /// string statistics from it, instead of comparing strings) and its length.
    struct SharedDictionary: Sendable {
        let ranks: [UInt32]
        /// The codes in UTF-8 order: `byRank[ranks[c]] == c`.
        let byRank: [UInt32]
        let lengths: [Int]

        init(_ dictionary: [String]) {
            ranks = utf8Ranks(dictionary)
            var byRank = [UInt32](repeating: 0, count: dictionary.count)
            for (code, rank) in ranks.enumerated() { byRank[Int(rank)] = UInt32(code) }
            self.byRank = byRank
            lengths = dictionary.map { $0.utf8.count }
        }
    }

    static func encode(_ column: ColumnData, range: Range<Int>, type: PhysicalType, role: ColumnRole,
                       policy: ZstdPolicy, shared: SharedDictionary? = nil) -> EncodedChunk {
        let allowBlob = policy != .never
        let hot = role == .time || { if case .metric = role { return true } else { return false } }()
        let saving = streamZstdSaving(policy)
        let intSaving: Double? = policy == .everywhere || (policy == .cold && !hot) ? saving : nil
        let codeSaving: Double? = policy == .never ? nil : saving
        var w = ByteWriter()
        let n = range.count
        var valid: [Bool]? = column.validity.map { Array($0[range]) }
        if let v = valid, v.allSatisfy({ $0 }) { valid = nil }
        let nullCount = valid.map { $0.reduce(0) { $0 + ($1 ? 0 : 1) } } ?? 0
        if let valid {
            w.u8(1)
            var words = [UInt64](repeating: 0, count: (n + 63) / 64)
            for (i, v) in valid.enumerated() where v { words[i >> 6] |= 1 << UInt64(i & 63) }
            for word in words { w.u64(word) }
        } else {
            w.u8(0)
        }
        let isValid: (Int) -> Bool = { i in valid?[i] ?? true }
        var description: String
        var zstd = false
        var stats = ChunkStatistics.none
        var tag: UInt8
        switch column.values {
        case .int64(let all):
            let values = valid == nil ? Array(all[range]) : fillNulls(Array(all[range]), isValid, zero: 0)
            stats = valid == nil ? intStats(values) : intStats(values, isValid)
            (tag, description) = encodeInts(values, intSaving, into: &w)
        case .bool(let all):
            let values = fillNulls(all[range].map { Int64($0 ? 1 : 0) }, isValid, zero: 0)
            stats = intStats(values, isValid)
            (tag, description) = encodeInts(values, intSaving, into: &w)
        case .float64(let all):
            let values = fillNulls(Array(all[range]), isValid, zero: 0)
            var lo = Double.infinity, hi = -Double.infinity, any = false
            for (i, v) in values.enumerated() where isValid(i) && !v.isNaN {
                lo = min(lo, v); hi = max(hi, v); any = true
            }
            if any { stats = .float(min: lo, max: hi) }
            let start = w.count
            (description, zstd) = FloatEncoder.encode(values[...], allowZstd: allowBlob, into: &w)
            tag = w.bytes[start]
        case .string(let all):
            var dictionary: [String] = []
            var index: [String: UInt32] = [:]
            let codes = range.map { i -> UInt32 in
                if let c = index[all[i]] { return c }
                let c = UInt32(dictionary.count)
                index[all[i]] = c
                dictionary.append(all[i])
                return c
            }
            (tag, description, zstd, stats) = encodeStrings(dictionary, utf8Ranks(dictionary), fillNulls(codes, isValid, zero: 0), valid,
                                                          allowBlob, codeSaving, into: &w)
        case .dictionary(let dictionary, let codes):
            let local = valid == nil ? Array(codes[range]) : fillNulls(Array(codes[range]), isValid, zero: 0)
            if dictionary.isEmpty {
                (tag, description, zstd, stats) = encodeStrings([""], [0], local, valid, allowBlob, codeSaving, into: &w)
            } else {
                (tag, description, zstd, stats) = encodeStrings(dictionary, shared?.ranks ?? utf8Ranks(dictionary), local, valid,
                                                              allowBlob, codeSaving, byRank: shared?.byRank, into: &w)
            }
        }
        zstd = zstd || description.contains("zstd")
        return EncodedChunk(bytes: w.bytes, encoding: tag, description: description, usesZstd: zstd,
                            nullCount: nullCount, statistics: stats)
    }

    /// Writes a string chunk. `ranks`: each dictionary entry's rank in UTF-8
    /// order (the statistics and the chunk's sorted local dictionary come from
    /// it); `valid`: which rows hold a value, nil when all do.
    private static func encodeStrings(_ dictionary: [String], _ ranks: [UInt32], _ codes: [UInt32], _ valid: [Bool]?,
                                      _ allowBlob: Bool, _ codeSaving: Double?, byRank: [UInt32]? = nil,
                                      into w: inout ByteWriter) -> (UInt8, String, Bool, ChunkStatistics) {
        // Checked once here for the loops below and the encoder's: every code indexes the
        // dictionary and its ranks (one rank per entry).
        precondition(ranks.count == dictionary.count, "one rank per dictionary entry")
        StringEncoder.requireCodes(codes[...], below: dictionary.count)
        // The lowest and highest rank among the codes of valid rows (without nulls: a plain loop).
        var low = UInt32.max, high: UInt32 = 0, any = false
        if let valid {
            for (i, c) in codes.enumerated() where valid[i] {
                let r = ranks[Int(c)]
                low = min(low, r); high = max(high, r); any = true
            }
        } else {
            ranks.withUnsafeBufferPointer { rank in
                codes.withUnsafeBufferPointer { cs in
                    for c in cs {
                        let r = rank[Int(c)]
                        low = min(low, r); high = max(high, r)
                    }
                }
            }
            any = !codes.isEmpty
        }
        var lo: String?, hi: String?
        if any, let l = ranks.firstIndex(of: low), let h = ranks.firstIndex(of: high) {
            lo = dictionary[l]; hi = dictionary[h]
        }
        var stats = ChunkStatistics.none
        if let lo, let hi, lo.utf8.count <= ChunkStatistics.maxStatString, hi.utf8.count <= ChunkStatistics.maxStatString {
            stats = .string(min: lo, max: hi)
        }
        let start = w.count
        let (description, zstd) = StringEncoder.encode(dictionary: dictionary, codes: codes[...], allowZstd: allowBlob,
                                                       codeZstdSaving: codeSaving, ranks: ranks, byRank: byRank,
                                                       codesChecked: true, into: &w)
        return (w.bytes[start], description, zstd, stats)
    }

    private static func encodeInts(_ values: [Int64], _ zstdSaving: Double?, into w: inout ByteWriter) -> (UInt8, String) {
        let start = w.count
        let description = IntEncoder.encode(values, into: &w, zstdSaving: zstdSaving)
        return (w.bytes[start], description)
    }

    /// Statistics of a chunk without nulls: a branch-free loop the compiler vectorizes.
    private static func intStats(_ values: [Int64]) -> ChunkStatistics {
        guard var lo = values.first else { return .none }
        var hi = lo
        for v in values {
            lo = min(lo, v); hi = max(hi, v)
        }
        return .int(min: lo, max: hi)
    }

    private static func intStats(_ values: [Int64], _ isValid: (Int) -> Bool) -> ChunkStatistics {
        var lo = Int64.max, hi = Int64.min, any = false
        for (i, v) in values.enumerated() where isValid(i) {
            lo = min(lo, v); hi = max(hi, v); any = true
        }
        return any ? .int(min: lo, max: hi) : .none
    }

    /// Null slots take the previous valid value (or the first one), so they
    /// neither widen bit-packing ranges nor break runs.
    private static func fillNulls<T>(_ values: [T], _ isValid: (Int) -> Bool, zero: T) -> [T] {
        var out = values
        guard let first = values.indices.first(where: isValid) else {
            return [T](repeating: zero, count: values.count)
        }
        var last = values[first]
        for i in out.indices {
            if isValid(i) { last = out[i] } else { out[i] = last }
        }
        return out
    }
}

/// Decodes chunk bodies written by `ChunkEncoder`.
enum ChunkDecoder {
    /// Decodes an int64/timestamp/bool chunk into `out`; returns its validity bitmap, if any.
    static func decodeInts(_ bytes: UnsafeRawBufferPointer, count n: Int, into out: AlignedBuffer<Int64>) throws -> [UInt64]? {
        precondition(out.count >= n)
        var r = ByteReader(bytes, what: "chunk")
        let validity = try readValidity(&r, n)
        try IntDecoder.decode(&r, count: n, into: out.pointer)
        guard r.remaining == 0 else { throw ColanError(.format, "chunk has \(r.remaining) unexpected trailing bytes") }
        return validity
    }

    static func readValidity(_ r: inout ByteReader, _ n: Int) throws -> [UInt64]? {
        let flag = try r.u8()
        switch flag {
        case 0: return nil
        case 1:
            let words = (n + 63) / 64
            let raw = try r.bytes(8 * words)
            return (0..<words).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)) }
        default: throw ColanError(.format, "validity flag \(flag) is neither 0 nor 1")
        }
    }

    /// The dictionary of a string chunk, without decoding its codes.
    static func dictionary(_ bytes: UnsafeRawBufferPointer, count n: Int) throws -> [String] {
        var r = ByteReader(bytes, what: "chunk")
        _ = try readValidity(&r, n)
        return try StringDecoder.dictionary(&r, count: n)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, count n: Int, type: PhysicalType) throws -> ColumnVector {
        var r = ByteReader(bytes, what: "chunk")
        let validity = try readValidity(&r, n)
        let values: DecodedValues
        switch type {
        case .int64, .timestamp, .bool:
            let out = AlignedBuffer<Int64>(count: n, zeroed: false)
            try IntDecoder.decode(&r, count: n, into: out.pointer)
            if type == .bool {
                for i in 0..<n where out.pointer[i] != 0 && out.pointer[i] != 1 {
                    throw ColanError(.format, "bool value \(out.pointer[i]) at row \(i)")
                }
            }
            values = .int64(out)
        case .float64:
            values = .float64(try FloatDecoder.decode(&r, count: n))
        case .string:
            let (dictionary, codes) = try StringDecoder.decode(&r, count: n)
            values = .string(dictionary: dictionary, codes: codes)
        }
        guard r.remaining == 0 else {
            throw ColanError(.format, "chunk has \(r.remaining) unexpected trailing bytes")
        }
        return ColumnVector(values: values, validity: validity, count: n)
    }
}
