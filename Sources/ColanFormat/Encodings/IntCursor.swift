import ColanSupport
import ColanColumns

// Kernel file: unsafe pointer code lives here, with its invariants written down.
//
// A cursor decodes an integer stream a vector at a time, so a scan keeps its
// working set (a few vectors of 2,048 values) in L1/L2 cache instead of
// decoding whole row groups. Bit-packed streams, the hot ones, are unpacked
// block by block straight from the mapped file; run-length streams keep
// their runs (a scan can take them as runs, `nextRuns`); delta and
// zstd-bytes streams are small or cold and are expanded once per chunk.
// Invariants:
// - the stream's bytes were checked against the chunk checksum and every
//   length was validated by `init` before `next` reads them;
// - `next(n, into:)` is called with n values left, and at positions that are
//   multiples of 256 except for the stream's last call (vectors are 2,048);
// - `out` has room for n rounded up to 256 values.

/// Decodes an integer stream a vector at a time.
struct IntCursor {
    private enum State {
        case plain(UnsafeRawPointer)
        case constant(Int64)
        case bitPacked(data: UnsafeRawPointer, widths: UnsafePointer<UInt8>, bases: UnsafeRawPointer)
        /// Run values and each run's end (exclusive, cumulative): validated, ends strictly rising to `count`.
        case runs(values: AlignedBuffer<Int64>, ends: AlignedBuffer<Int>)
        case expanded(AlignedBuffer<Int64>)
    }

    /// Values in the stream.
    let count: Int
    private(set) var position = 0
    private var state: State
    private var byteOffset = 0
    /// The run holding `position`, for run-length streams.
    private var run = 0

    /// Parses and validates the stream's header at `r` and moves `r` past the whole stream.
    init(_ r: inout ByteReader, count: Int) throws {
        let start = r.offset
        let tag = try r.u8()
        let n = Int(try r.u32())
        guard n == count else { throw ColanError(.format, "integer stream holds \(n) values, expected \(count)") }
        self.count = count
        switch IntEncoding(rawValue: tag) {
        case .constant:
            state = .constant(try r.i64())
        case .plain:
            let bytes = try r.bytes(8 * n)
            state = n == 0 ? .constant(0) : .plain(bytes.baseAddress!)
        case .bitPacked:
            if let (data, widths, bases) = try IntDecoder.readBitPacked(&r, count: n) {
                state = .bitPacked(data: data, widths: widths, bases: bases)
            } else {
                state = .constant(0)
            }
        case .runLength:
            let runs = Int(try r.u32())
            guard runs <= n, runs > 0 || n == 0 else { throw ColanError(.format, "run-length stream has \(runs) runs for \(n) values") }
            let values = AlignedBuffer<Int64>(count: max(runs, 1), zeroed: false)
            let lengths = AlignedBuffer<Int64>(count: max(runs, 1), zeroed: false)
            try IntDecoder.decode(&r, count: runs, into: values.pointer, depth: 1)
            try IntDecoder.decode(&r, count: runs, into: lengths.pointer, depth: 1)
            let ends = AlignedBuffer<Int>(count: max(runs, 1), zeroed: false)
            var end = 0
            for i in 0..<runs {
                let length = lengths.pointer[i]
                guard length > 0, length <= Int64(n - end) else {
                    throw ColanError(.format, "run-length stream's run \(i) of length \(length) overruns \(n) values")
                }
                end += Int(length)
                ends.pointer[i] = end
            }
            guard end == n else { throw ColanError(.format, "run-length stream covers \(end) of \(n) values") }
            state = n == 0 ? .constant(0) : .runs(values: values, ends: ends)
        default:
            // delta, zstd-bytes: expanded once (they hold sorted times or cold columns).
            r.offset = start
            let out = AlignedBuffer<Int64>(count: n, zeroed: false)
            try IntDecoder.decode(&r, count: n, into: out.pointer)
            state = .expanded(out)
        }
    }

    /// Decodes the next `n` values into `out`.
    mutating func next(_ n: Int, into out: UnsafeMutablePointer<Int64>) {
        precondition(n >= 0 && position + n <= count)
        switch state {
        case .plain(let p):
            UnsafeMutableRawPointer(out).copyMemory(from: p + 8 * position, byteCount: 8 * n)
        case .constant(let v):
            out.initialize(repeating: v, count: n)
        case .expanded(let buffer):
            out.update(from: buffer.pointer + position, count: n)
        case .runs(let values, let ends):
            var p = position
            let target = position + n
            while p < target {
                let end = min(ends.pointer[run], target)
                (out + (p - position)).initialize(repeating: values.pointer[run], count: end - p)
                p = end
                if p == ends.pointer[run] { run += 1 }
            }
        case .bitPacked(let data, let widths, let bases):
            var block = position / bitPackBlockSize
            var o = out
            var left = n
            while left > 0 {
                let w = Int(widths[block])
                BitPacking.unpackOne(data + byteOffset, o, width: w, base: bases.loadUnaligned(fromByteOffset: 8 * block, as: Int64.self))
                byteOffset += BitPacking.blockBytes(width: w)
                block += 1
                o += bitPackBlockSize
                left -= bitPackBlockSize
            }
        }
        position += n
    }

    /// Whether the stream is run-length encoded (`nextRuns` then gives its runs).
    var isRunLength: Bool {
        if case .runs = state { return true } else { return false }
    }

    /// The next `n` values as runs, for a run-length stream: writes each run's
    /// value and length (clipped to the n values) and returns the number of runs
    /// (at most n). `values` and `lengths` have room for n entries.
    mutating func nextRuns(_ n: Int, values: UnsafeMutablePointer<Int64>, lengths: UnsafeMutablePointer<Int32>) -> Int {
        precondition(n >= 0 && position + n <= count)
        guard case .runs(let runValues, let ends) = state else { preconditionFailure("not a run-length stream") }
        var p = position, k = 0
        let target = position + n
        while p < target {
            let end = min(ends.pointer[run], target)
            values[k] = runValues.pointer[run]
            lengths[k] = Int32(truncatingIfNeeded: end - p)
            k += 1
            p = end
            if p == ends.pointer[run] { run += 1 }
        }
        position = target
        return k
    }
}

/// Decodes a string chunk's codes a vector at a time, validating each code
/// against the dictionary (which is what lets kernels index tables unchecked).
package struct CodeCursor {
    /// The chunk's dictionary.
    let dictionary: [String]
    /// The chunk's validity bitmap, if it has nulls.
    let validity: [UInt64]?
    private var codes: IntCursor?
    private var plainPosition = 0

    init(chunk bytes: UnsafeRawBufferPointer, count n: Int) throws {
        var r = ByteReader(bytes, what: "chunk")
        validity = try ChunkDecoder.readValidity(&r, n)
        let tag = try r.u8()
        let stored = Int(try r.u32())
        guard stored == n else { throw ColanError(.format, "string stream holds \(stored) values, expected \(n)") }
        switch tag {
        case StringEncoder.plainTag:
            dictionary = try StringDecoder.readStrings(&r, entries: n)
            codes = nil
        case StringEncoder.dictionaryTag:
            let entries = try r.count(limit: max(n, 1))
            dictionary = try StringDecoder.readStrings(&r, entries: entries)
            codes = try IntCursor(&r, count: n)
        default:
            throw ColanError(.format, "unknown string encoding \(tag)")
        }
        guard r.remaining == 0 else { throw ColanError(.format, "chunk has \(r.remaining) unexpected trailing bytes") }
    }

    /// Decodes the next `n` codes into `out` (null rows get `dictionary.count`), using `scratch`.
    package mutating func next(_ n: Int, into out: UnsafeMutablePointer<UInt32>, scratch: UnsafeMutablePointer<Int64>) throws {
        let start: Int
        if var cursor = codes {
            start = cursor.position
            cursor.next(n, into: scratch)
            codes = cursor
            var outside: UInt64 = 0
            let limit = UInt64(dictionary.count)
            for i in 0..<n {
                let c = UInt64(bitPattern: scratch[i])
                outside |= c >= limit ? 1 : 0
                out[i] = UInt32(truncatingIfNeeded: c)
            }
            if outside != 0, let i = (0..<n).first(where: { UInt64(bitPattern: scratch[$0]) >= limit }) {
                throw ColanError(.format, "dictionary code \(scratch[i]) at row \(start + i) is outside the \(dictionary.count) entries")
            }
        } else {
            start = plainPosition
            for i in 0..<n { out[i] = UInt32(start + i) }
            plainPosition += n
        }
        if let validity {
            let null = UInt32(dictionary.count)
            for i in 0..<n where validity[(start + i) >> 6] & (1 << UInt64((start + i) & 63)) == 0 { out[i] = null }
        }
    }
    /// Whether `nextRuns` can be used: run-length encoded codes without nulls.
    package var hasRuns: Bool { validity == nil && (codes?.isRunLength ?? false) }

    /// The next `n` codes as runs (only when `hasRuns`): each run's code and
    /// length; returns the number of runs. Codes are validated like `next`'s.
    package mutating func nextRuns(_ n: Int, codes out: UnsafeMutablePointer<UInt32>, lengths: UnsafeMutablePointer<Int32>,
                           scratch: UnsafeMutablePointer<Int64>) throws -> Int {
        guard var cursor = codes else { preconditionFailure("not a run-length stream") }
        let start = cursor.position
        let runs = cursor.nextRuns(n, values: scratch, lengths: lengths)
        codes = cursor
        let limit = UInt64(dictionary.count)
        for i in 0..<runs {
            let c = UInt64(bitPattern: scratch[i])
            guard c < limit else {
                throw ColanError(.format, "dictionary code \(scratch[i]) near row \(start) is outside the \(dictionary.count) entries")
            }
            out[i] = UInt32(truncatingIfNeeded: c)
        }
        return runs
    }
}

/// An integer chunk read a vector at a time; null rows read as 0.
package struct IntChunkCursor {
    private var values: IntCursor
    let validity: [UInt64]?

    init(chunk bytes: UnsafeRawBufferPointer, count n: Int) throws {
        var r = ByteReader(bytes, what: "chunk")
        validity = try ChunkDecoder.readValidity(&r, n)
        values = try IntCursor(&r, count: n)
        guard r.remaining == 0 else { throw ColanError(.format, "chunk has \(r.remaining) unexpected trailing bytes") }
    }

    /// Decodes the next `n` values into `out`.
    package mutating func next(_ n: Int, into out: UnsafeMutablePointer<Int64>) {
        let start = values.position
        values.next(n, into: out)
        if let validity {
            for i in 0..<n where validity[(start + i) >> 6] & (1 << UInt64((start + i) & 63)) == 0 { out[i] = 0 }
        }
    }
}
