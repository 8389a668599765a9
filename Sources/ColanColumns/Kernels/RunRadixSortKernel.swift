#if canImport(Dispatch)
import Dispatch
#endif
import ColanSupport

/// The row order of a table whose times are in order, each instant's rows sorted by a key:
/// a least-significant-byte radix sort of each run of one instant, on packed words, in the
/// cache (a kernel file: the unsafe pointer code of scan-order sorting lives here).
enum RunRadixSortKernel {
    /// The order (row `order[i]` becomes row i) that sorts each run of equal `times` by `key`,
    /// stable; `key` values are below `buckets` (at most 2^32). Runs are sorted on every core
    /// when there are `parallelRows` rows or more.
    /// - Precondition: `times` is in order and has as many rows as `key`, fewer than 2^32 per run.
    static func order(times: [Int64], key: [UInt32], buckets: Int, parallelRows: Int) -> [Int] {
        let n = key.count
        precondition(times.count == n && buckets <= 1 << 32)
        let bits = Int.bitWidth - (buckets - 1).leadingZeroBitCount
        /// Writes the order of rows lo..<hi (whole runs) to `order[0 ..< hi - lo]`, each run sorted
        /// by the key: each row's key and its position in the run packed into one word, sorted a
        /// byte of the key per pass (skipping bytes every row of the run shares), so passes move
        /// packed words, never look keys up.
        //
        // Unsafe pointer code. Invariants: `order` has room for `hi - lo` Ints, all initialized
        // first (to the identity); `packed` and `scratch` hold `capacity` words, grown before a
        // longer run, and a run (`count` <= `capacity` rows, fewer than 2^32) uses their first
        // `count`; `counts` holds 4 x 256 entries, byte b's histogram at 256 * b, and a byte's
        // counts sum to `count`, so every prefix-summed position is below `count`.
        let sortRuns: @Sendable (Int, Int, UnsafeMutablePointer<Int>) -> Void = { lo, hi, order in
            for i in lo..<hi { (order + (i - lo)).initialize(to: i) }
            var capacity = 1
            var packed = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
            var scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
            let counts = UnsafeMutablePointer<Int>.allocate(capacity: 256 * 4)
            defer {
                packed.deallocate()
                scratch.deallocate()
                counts.deallocate()
            }
            let byteCount = (bits + 7) / 8
            key.withUnsafeBufferPointer { key in
                var start = lo
                while start < hi {
                    var end = start + 1
                    while end < hi && times[end] == times[start] { end += 1 }
                    let count = end - start
                    if count > 1 {
                        if count > capacity {
                            packed.deallocate()
                            scratch.deallocate()
                            capacity = count
                            packed = .allocate(capacity: capacity)
                            scratch = .allocate(capacity: capacity)
                        }
                        for j in 0..<count { packed[j] = UInt64(key[start &+ j]) << 32 | UInt64(j) }
                        // Every byte's histogram in one pass (the key has at most 32 bits).
                        counts.update(repeating: 0, count: 256 * 4)
                        for j in 0..<count {
                            let word = packed[j]
                            counts[Int((word >> 32) & 255)] &+= 1
                            counts[256 &+ Int((word >> 40) & 255)] &+= 1
                            counts[512 &+ Int((word >> 48) & 255)] &+= 1
                            counts[768 &+ Int(word >> 56)] &+= 1
                        }
                        for byte in 0..<byteCount {
                            let base = 256 * byte, shift = UInt64(32 + 8 * byte)
                            // A byte the whole run shares orders nothing.
                            if counts[base &+ Int((packed[0] >> shift) & 255)] == count { continue }
                            var offset = 0
                            for b in base..<(base + 256) {
                                let c = counts[b]
                                counts[b] = offset
                                offset &+= c
                            }
                            for j in 0..<count {
                                let word = packed[j]
                                let digit = base &+ Int((word >> shift) & 255)
                                scratch[counts[digit]] = word
                                counts[digit] &+= 1
                            }
                            swap(&packed, &scratch)
                        }
                        for j in 0..<count { order[start &- lo &+ j] = start &+ Int(packed[j] & 0xFFFF_FFFF) }
                    }
                    start = end
                }
            }
        }
        // Each slice of whole runs writes its own part of the order (disjoint ranges).
        let order = [Int](unsafeUninitializedCapacity: n) { buffer, count in
            guard let base = buffer.baseAddress else { return }
            if n < parallelRows {
                sortRuns(0, n, base)
            } else {
                // A big report: slices of whole runs, sorted on all cores.
                var bounds = [0]
                for k in 1..<16 {
                    var b = max(k * n / 16, bounds[bounds.count - 1])
                    while b < n, times[b] == times[b - 1] { b += 1 }
                    if b > bounds[bounds.count - 1], b < n { bounds.append(b) }
                }
                bounds.append(n)
                let edges = bounds, target = UncheckedSendable(base)
                DispatchQueue.concurrentPerform(iterations: edges.count - 1) { k in
                    sortRuns(edges[k], edges[k + 1], target.value + edges[k])
                }
            }
            count = n
        }
        return order
    }
}
