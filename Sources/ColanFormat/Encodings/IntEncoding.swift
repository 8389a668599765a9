import ColanSupport
import ColanColumns

/// Encodings of an Int64 sequence (int64, timestamp and bool columns, and the
/// codes of dictionary strings). Each encoded stream starts with its tag byte,
/// so streams nest: delta and run-length hold inner streams of their own.
///
///     plain        [0][u32 n][n x i64]
///     bitPacked    [1][u32 n][u32 blocks][blocks x i64 base][blocks x u8 width][packed blocks]
///     delta        [2][u32 n][i64 first][inner stream of the n-1 wrapping differences]
///     runLength    [3][u32 n][u32 runs][inner stream of run values][inner stream of run lengths]
///     constant     [4][u32 n][i64 value]
///     zstdBytes    [5][u32 n][i64 base][u8 byte width 1/2/4/8][blob, zstd: byte planes of (value - base):
///                  byte 0 of every value, then byte 1, ... (byte-stream-split)]
///
/// zstdBytes is for cold streams only (see `ZstdPolicy`): byte-aligned
/// symbols let zstd's entropy stage reach close to the data's entropy, at the
/// price of decoding at zstd speed instead of bit-unpacking speed.
///
/// bitPacked is frame-of-reference per 256-value block: each block stores its
/// minimum and packs `value - minimum` in the fewest bits (see BitPacking.swift),
/// so a skewed column pays for its outliers only in the blocks that hold them.
public enum IntEncoding: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Eight bytes per value.
    case plain = 0
    /// Frame-of-reference + bit-packing per 256-value block.
    case bitPacked = 1
    /// First value, then differences (sorted timestamps, counters).
    case delta = 2
    /// Run values and run lengths (sorted dimensions, long repeats).
    case runLength = 3
    /// One value repeated.
    case constant = 4
    /// Frame-of-reference into 1, 2, 4 or 8 byte values, then zstd.
    case zstdBytes = 5

    /// The name shown by `colan info`.
    public var description: String {
        switch self {
        case .plain: "plain"
        case .bitPacked: "bitpack"
        case .delta: "delta"
        case .runLength: "rle"
        case .constant: "const"
        case .zstdBytes: "zstd-bytes"
        }
    }
}

/// Chooses and writes integer encodings by measuring the data: a plan is
/// chosen first (sizes computed, nothing written), then written once.
enum IntEncoder {
    /// Deepest nesting of delta and run-length streams ("rle(delta(const),bitpack)").
    static let maxDepth = 2

    /// The chosen encoding of one stream, with what writing it needs.
    indirect enum Plan {
        case constant(Int64)
        case plain
        case bitPacked
        case delta(first: Int64, deltas: [Int64], inner: Plan)
        case runLength(values: [Int64], lengths: [Int64], valuesPlan: Plan, lengthsPlan: Plan)
        case zstdBytes(base: Int64, width: Int, packed: [UInt8])
    }

    /// Writes `values` in the smallest of the candidate encodings.
    /// With `zstdSaving`, the zstdBytes candidate is also tried and kept when it
    /// is at least that fraction smaller than the best lightweight encoding,
    /// unless that takes at most one bit a value: such streams (long runs) are
    /// already small, and kept as runs a scan can add up without expanding them.
    /// Returns a description such as "rle(delta(const),bitpack)".
    @discardableResult
    static func encode(_ values: [Int64], into w: inout ByteWriter, zstdSaving: Double? = nil) -> String {
        var (plan, size) = choose(values, depth: 0)
        if let saving = zstdSaving, values.count > 0, size * 8 > values.count {
            let (base, width, packed) = zstdBytes(values)
            if Double(23 + packed.count) <= Double(size) * (1 - saving) {
                plan = .zstdBytes(base: base, width: width, packed: packed)
                size = 23 + packed.count
            }
        }
        return write(plan, values, into: &w)
    }

    /// The smallest plan for `values` and its exact encoded size in bytes.
    static func choose(_ values: [Int64], depth: Int) -> (Plan, Int) {
        let n = values.count
        if let first = values.first, isConstant(values) { return (.constant(first), 13) }
        var best: (Plan, Int) = (.bitPacked, 5 + bitPackedSize(values))
        if 5 + 8 * n < best.1 { best = (.plain, 5 + 8 * n) }
        guard depth < maxDepth, n > 1 else { return best }
        // One pass sizes the cheap bounds of the delta and run-length candidates, so the
        // usual random metric column allocates nothing more: the delta candidate is built
        // only if its bit-packed size or its run count could beat the best so far.
        let (deltaPacked, deltaRuns, valueRuns) = deltaAndRunBounds(values)
        if min(deltaPacked, 2 * deltaRuns) < best.1 {
            let deltas = [Int64](unsafeUninitializedCapacity: n - 1) { buf, count in
                for i in 1..<n { buf[i - 1] = values[i] &- values[i - 1] }
                count = n - 1
            }
            let (deltaPlan, deltaSize) = choose(deltas, depth: depth + 1)
            if 13 + deltaSize < best.1 { best = (.delta(first: values[0], deltas: deltas, inner: deltaPlan), 13 + deltaSize) }
        }
        if valueRuns * 4 <= n {
            let runs = runLengths(values, runs: valueRuns)
            let (a, sizeA) = choose(runs.values, depth: depth + 1)
            let (b, sizeB) = choose(runs.lengths, depth: depth + 1)
            if 9 + sizeA + sizeB < best.1 {
                best = (.runLength(values: runs.values, lengths: runs.lengths, valuesPlan: a, lengthsPlan: b), 9 + sizeA + sizeB)
            }
        }
        return best
    }

    /// Whether every value equals the first: 256 values at a time, OR-ing the
    /// differences (a loop the compiler vectorizes), so a constant stream costs
    /// a fraction of a comparison a value and any other stream stops at its
    /// first block that varies.
    static func isConstant(_ values: [Int64]) -> Bool {
        values.withUnsafeBufferPointer { v in
            guard let first = v.first else { return false }
            var start = 0
            while start < v.count {
                let end = min(start &+ bitPackBlockSize, v.count)
                var differ: Int64 = 0
                for i in start..<end { differ |= v[i] ^ first }
                if differ != 0 { return false }
                start = end
            }
            return true
        }
    }

    /// Without allocating: the bit-packed size of the differences, the number
    /// of runs among the differences, and the number of runs among the values.
    /// Each 256-difference block is one branch-free loop (min, max and the two
    /// run counts as compares added up), which the compiler vectorizes: run
    /// boundaries in metric columns are random, and a branch on each would
    /// mispredict half the time.
    static func deltaAndRunBounds(_ values: [Int64]) -> (deltaPacked: Int, deltaRuns: Int, valueRuns: Int) {
        values.withUnsafeBufferPointer { v in
            let n = v.count
            // Difference i (1..<n) is v[i] - v[i-1]; difference 1 opens the first run.
            var packed = 4, deltaRuns = 1, valueRuns = v[1] != v[0] ? 2 : 1
            var start = 1
            while start < n {
                let end = min(start &+ bitPackBlockSize, n)
                var lo = v[start] &- v[start &- 1], hi = lo
                var newDelta = 0, newValue = 0
                var i = start
                if i == 1 {
                    // The first difference has no predecessor to compare with.
                    i = 2
                }
                while i < end {
                    let d = v[i] &- v[i &- 1]
                    let previous = v[i &- 1] &- v[i &- 2]
                    lo = min(lo, d)
                    hi = max(hi, d)
                    newDelta &+= d != previous ? 1 : 0
                    newValue &+= d != 0 ? 1 : 0
                    i &+= 1
                }
                deltaRuns &+= newDelta
                valueRuns &+= newValue
                packed &+= 9 &+ BitPacking.blockBytes(width: BitPacking.bitWidth(UInt64(bitPattern: hi &- lo)))
                start = end
            }
            return (packed, deltaRuns, valueRuns)
        }
    }

    /// Writes `values` as `plan` says; returns the plan's description.
    static func write(_ plan: Plan, _ values: [Int64], into w: inout ByteWriter) -> String {
        let n = values.count
        switch plan {
        case .constant(let v):
            w.u8(IntEncoding.constant.rawValue)
            w.u32(UInt32(n))
            w.i64(v)
            return "const"
        case .plain:
            w.u8(IntEncoding.plain.rawValue)
            w.u32(UInt32(n))
            for v in values { w.i64(v) }
            return "plain"
        case .bitPacked:
            w.u8(IntEncoding.bitPacked.rawValue)
            w.u32(UInt32(n))
            writeBitPacked(values, into: &w)
            return "bitpack"
        case .delta(let first, let deltas, let inner):
            w.u8(IntEncoding.delta.rawValue)
            w.u32(UInt32(n))
            w.i64(first)
            return "delta(" + write(inner, deltas, into: &w) + ")"
        case .runLength(let runValues, let lengths, let valuesPlan, let lengthsPlan):
            w.u8(IntEncoding.runLength.rawValue)
            w.u32(UInt32(n))
            w.u32(UInt32(runValues.count))
            let a = write(valuesPlan, runValues, into: &w)
            let b = write(lengthsPlan, lengths, into: &w)
            return "rle(\(a),\(b))"
        case .zstdBytes(let base, let width, let packed):
            w.u8(IntEncoding.zstdBytes.rawValue)
            w.u32(UInt32(n))
            w.i64(base)
            w.u8(UInt8(width))
            w.u8(1)
            w.u32(UInt32(n * width))
            w.u32(UInt32(packed.count))
            w.raw(packed)
            return "zstd-bytes\(width)"
        }
    }

    /// Frame-of-reference into the narrowest byte width, split into byte planes, zstd-compressed.
    private static func zstdBytes(_ values: [Int64]) -> (base: Int64, width: Int, packed: [UInt8]) {
        let (lo, hi) = minMax(values, 0, values.count)
        let bits = BitPacking.bitWidth(UInt64(bitPattern: hi &- lo))
        let width = bits <= 8 ? 1 : bits <= 16 ? 2 : bits <= 32 ? 4 : 8
        let n = values.count
        // One plane at a time, each a plain loop the compiler vectorizes.
        let raw = [UInt8](unsafeUninitializedCapacity: n * width) { planes, count in
            values.withUnsafeBufferPointer { v in
                for b in 0..<width {
                    let shift = UInt64(8 * b)
                    for i in 0..<n { planes[b &* n &+ i] = UInt8(truncatingIfNeeded: UInt64(bitPattern: v[i] &- lo) &>> shift) }
                }
            }
            count = n * width
        }
        return (lo, width, raw.withUnsafeBytes { Zstd.compress($0) })
    }

    /// The runs of equal values: each run's value and length. `runs`, when
    /// known (`deltaAndRunBounds` counts them), sizes the arrays once.
    static func runLengths(_ values: [Int64], runs: Int = 0) -> (values: [Int64], lengths: [Int64]) {
        var runValues: [Int64] = []
        var runLengths: [Int64] = []
        runValues.reserveCapacity(runs)
        runLengths.reserveCapacity(runs)
        values.withUnsafeBufferPointer { v in
            var i = 0
            while i < v.count {
                var j = i &+ 1
                while j < v.count && v[j] == v[i] { j &+= 1 }
                runValues.append(v[i])
                runLengths.append(Int64(j &- i))
                i = j
            }
        }
        return (runValues, runLengths)
    }

    /// Exact byte size of the bit-packed body (after tag and count).
    static func bitPackedSize(_ values: [Int64]) -> Int {
        var size = 4
        var start = 0
        while start < values.count {
            let end = min(start + bitPackBlockSize, values.count)
            let (lo, hi) = minMax(values, start, end)
            size += 9 + BitPacking.blockBytes(width: BitPacking.bitWidth(UInt64(bitPattern: hi &- lo)))
            start = end
        }
        return size
    }

    private static func minMax(_ values: [Int64], _ start: Int, _ end: Int) -> (Int64, Int64) {
        values.withUnsafeBufferPointer { v in
            var lo = v[start], hi = v[start]
            for i in start..<end {
                lo = min(lo, v[i])
                hi = max(hi, v[i])
            }
            return (lo, hi)
        }
    }

    private static func writeBitPacked(_ values: [Int64], into w: inout ByteWriter) {
        let blocks = (values.count + bitPackBlockSize - 1) / bitPackBlockSize
        w.u32(UInt32(blocks))
        var bases: [Int64] = []
        var widths: [Int] = []
        for b in 0..<blocks {
            let start = b * bitPackBlockSize
            let (lo, hi) = minMax(values, start, min(start + bitPackBlockSize, values.count))
            bases.append(lo)
            widths.append(BitPacking.bitWidth(UInt64(bitPattern: hi &- lo)))
        }
        for base in bases { w.i64(base) }
        for width in widths { w.u8(UInt8(width)) }
        var block = [UInt64](repeating: 0, count: bitPackBlockSize)
        values.withUnsafeBufferPointer { v in
            for b in 0..<blocks {
                let start = b * bitPackBlockSize
                let count = min(bitPackBlockSize, v.count - start)
                let base = bases[b]
                block.withUnsafeMutableBufferPointer { offsets in
                    // Two plain loops (the compiler vectorizes both): the values less the base,
                    // then padding rows past the end, which pack as 0 (the base itself).
                    for i in 0..<count { offsets[i] = UInt64(bitPattern: v[start &+ i] &- base) }
                    for i in count..<bitPackBlockSize { offsets[i] = 0 }
                }
                w.appendZeroed(BitPacking.blockBytes(width: widths[b])) { out in
                    block.withUnsafeBufferPointer { input in
                        if let o = out.baseAddress, let i = input.baseAddress { BitPacking.packBlock(i, o, width: widths[b]) }
                    }
                }
            }
        }
    }
}

/// Decodes integer streams written by `IntEncoder`.
enum IntDecoder {
    /// Reads and validates a bit-packed body (after tag and count): its packed
    /// blocks, widths and bases; nil for an empty stream. Every length is
    /// checked against the bytes, so unpacking never reads past them.
    static func readBitPacked(_ r: inout ByteReader, count n: Int) throws
        -> (data: UnsafeRawPointer, widths: UnsafePointer<UInt8>, bases: UnsafeRawPointer)? {
        let blocks = Int(try r.u32())
        guard blocks == (n + bitPackBlockSize - 1) / bitPackBlockSize else {
            throw ColanError(.format, "bit-packed stream has \(blocks) blocks for \(n) values")
        }
        let bases = try r.bytes(8 * blocks)
        let widths = try r.bytes(blocks)
        var total = 0
        for width in widths {
            guard width <= 64 else { throw ColanError(.format, "bit width \(width) exceeds 64") }
            total += BitPacking.blockBytes(width: Int(width))
        }
        let packed = try r.bytes(total)
        guard blocks > 0, let w = widths.baseAddress, let b = bases.baseAddress else { return nil }
        // All-zero-width blocks have no packed bytes (and maybe no address); they never read input.
        return (packed.baseAddress ?? b, w.assumingMemoryBound(to: UInt8.self), b)
    }

    /// Decodes one stream of exactly `count` values into `out`, which must have
    /// room for `count + bitPackBlockSize` values (decoders write whole blocks).
    /// `depth`: how deep this stream is nested in delta and run-length streams. The writer nests at most
    /// `IntEncoder.maxDepth` levels, so a deeper stream is corrupt (and cannot recurse without bound).
    static func decode(_ r: inout ByteReader, count: Int, into out: UnsafeMutablePointer<Int64>, depth: Int = 0) throws {
        guard depth <= IntEncoder.maxDepth else {
            throw ColanError(.format, "integer stream nested deeper than \(IntEncoder.maxDepth) levels")
        }
        let tag = try r.u8()
        let n = Int(try r.u32())
        guard n == count else {
            throw ColanError(.format, "integer stream holds \(n) values, expected \(count)")
        }
        guard let kind = IntEncoding(rawValue: tag) else {
            throw ColanError(.format, "unknown integer encoding \(tag)")
        }
        switch kind {
        case .constant:
            let v = try r.i64()
            out.initialize(repeating: v, count: n)
        case .plain:
            let bytes = try r.bytes(8 * n)
            if n > 0, let base = bytes.baseAddress {
                UnsafeMutableRawPointer(out).copyMemory(from: base, byteCount: 8 * n)
            }
        case .bitPacked:
            guard let (data, widths, bases) = try readBitPacked(&r, count: n) else { break }
            BitPacking.unpack(data, out, blockCount: (n + bitPackBlockSize - 1) / bitPackBlockSize, widths: widths, bases: bases)
        case .delta:
            guard n > 0 else { throw ColanError(.format, "delta stream without values") }
            out[0] = try r.i64()
            try decode(&r, count: n - 1, into: out + 1, depth: depth + 1)
            // Prefix sum, wrapping like the encoder's differences.
            var acc = out[0]
            for i in 1..<n {
                acc = acc &+ out[i]
                out[i] = acc
            }
        case .zstdBytes:
            let base = try r.i64()
            let width = Int(try r.u8())
            guard [1, 2, 4, 8].contains(width) else { throw ColanError(.format, "zstd byte width \(width) is not 1, 2, 4 or 8") }
            let raw = try Blob.read(&r, rawLimit: n * width)
            guard raw.count == n * width else { throw ColanError(.format, "zstd stream has \(raw.count) bytes for \(n) values") }
            raw.withUnsafeBufferPointer { bytes in
                for i in 0..<n { out[i] = base &+ Int64(bytes[i]) }
                for plane in 1..<width {
                    let shift = Int64(8 * plane)
                    for i in 0..<n { out[i] = out[i] &+ Int64(bytes[plane * n + i]) << shift }
                }
            }
        case .runLength:
            let runs = Int(try r.u32())
            guard runs <= n, runs > 0 || n == 0 else { throw ColanError(.format, "run-length stream has \(runs) runs for \(n) values") }
            let values = AlignedBuffer<Int64>(count: runs)
            let lengths = AlignedBuffer<Int64>(count: runs)
            try decode(&r, count: runs, into: values.pointer, depth: depth + 1)
            try decode(&r, count: runs, into: lengths.pointer, depth: depth + 1)
            var position = 0
            for i in 0..<runs {
                let length = lengths.pointer[i]
                guard length > 0, length <= Int64(n - position) else {
                    throw ColanError(.format, "run-length stream's run \(i) of length \(length) overruns \(n) values")
                }
                (out + position).initialize(repeating: values.pointer[i], count: Int(length))
                position += Int(length)
            }
            guard position == n else { throw ColanError(.format, "run-length stream covers \(position) of \(n) values") }
        }
    }
}
