/// The stable order of rows by one small key: a least-significant-digit radix sort of packed
/// words, (key, row) in one 64-bit word, a digit of up to 8 bits per pass. It sorts a
/// segment's rows by (time slot, dimensions) when their times are out of order (a folder of
/// responses joined channel by channel): one counting pass over as many buckets as rows
/// scattered each row to a random place and missed the cache on every row, where a pass here
/// scatters into at most 256 buckets, whose lines being written stay in the first-level cache
/// (digits of 10 or 11 bits took twice as long) (a kernel file: unsafe pointer
/// code of scan-order sorting lives here).
enum KeyRadixSortKernel {
    /// The order (row `order[i]` becomes row i) that sorts rows by `key`, stable (rows of equal
    /// keys keep their order).
    /// - Precondition: every key is below `buckets` (at most 2^32); fewer than 2^32 rows.
    static func order(_ key: [UInt32], buckets: Int) -> [Int] {
        let n = key.count
        precondition(buckets >= 1 && buckets <= 1 << 32 && n < 1 << 32)
        guard n > 1 else { return Array(0..<n) }
        let bits = max(1, Int.bitWidth - (buckets - 1).leadingZeroBitCount)
        let passes = (bits + 7) / 8
        let digitBits = (bits + passes - 1) / passes
        let radix = 1 << digitBits, mask = UInt64(radix - 1)
        // Unsafe pointer code. Invariants: `packed` and `scratch` hold `n` words, `packed` all
        // initialized first (key << 32 | row, the key below 2^32 and the row below 2^32);
        // `counts` holds `passes` x `radix` entries, pass p's histogram at `radix * p`, each
        // summing to `n`, so after the exclusive prefix sum every position written is below `n`;
        // each pass writes every one of `scratch`'s `n` words once before they are swapped.
        var packed = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        var scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: radix * passes)
        defer {
            packed.deallocate()
            scratch.deallocate()
            counts.deallocate()
        }
        counts.initialize(repeating: 0, count: radix * passes)
        key.withUnsafeBufferPointer { key in
            // Every pass's histogram in one read of the keys (a digit's counts do not depend on the order).
            for row in 0..<n {
                let k = UInt64(key[row])
                (packed + row).initialize(to: k << 32 | UInt64(row))
                for p in 0..<passes { counts[radix * p + Int((k >> UInt64(digitBits * p)) & mask)] += 1 }
            }
        }
        for p in 0..<passes {
            let histogram = counts + radix * p
            var position = 0
            for d in 0..<radix {
                let count = histogram[d]
                histogram[d] = position
                position += count
            }
            let shift = UInt64(32 + digitBits * p)
            let (from, to) = (packed, scratch)
            for i in 0..<n {
                let word = from[i]
                let d = Int((word >> shift) & mask)
                let at = histogram[d]
                histogram[d] = at &+ 1
                to[at] = word
            }
            swap(&packed, &scratch)
        }
        return [Int](unsafeUninitializedCapacity: n) { out, count in
            for i in 0..<n { out[i] = Int(truncatingIfNeeded: packed[i] & 0xFFFF_FFFF) }
            count = n
        }
    }
}
