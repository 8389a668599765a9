// Kernel file: unsafe pointer code lives here, with its invariants written down.
//
// The group-by kernel turns dictionary codes and bucket ids into one dense
// group id per row, then adds metric vectors into per-group accumulators.
// No row touches a dictionary, a hash table or a calendar: codes go through
// per-chunk translation tables, times through the query's bucket table.
// Invariants the callers keep:
// - every code is < its translation table's count (codes are validated when
//   decoded, and tables have one extra entry for the null code);
// - every group id written is <= `groups` (the extra id `groups` is the
//   discard slot for rows filtered out), and accumulators hold
//   `(groups + 1) * width` values;
// - every pointer is valid for `count` elements.

/// Vectorizable loops over decoded columns: the group-by kernel. Public so
/// the benchmark suite can time it on decoded vectors alone.
public enum GroupByKernel {
    /// `ids[i] = table[codes[i]] * stride + ids[i]`: adds one dimension to the group ids.
    public static func addDimension(_ codes: UnsafePointer<UInt32>, _ table: UnsafePointer<UInt64>, count: Int,
                             into ids: UnsafeMutablePointer<UInt64>) {
        for i in 0..<count { ids[i] &+= table[Int(truncatingIfNeeded: codes[i])] }
    }

    /// `ids[i] = buckets[(times[i] - origin) / BucketTable.slot] * stride`: the time part of the group ids.
    /// The slot is a constant, so the division compiles to a multiply and shifts.
    public static func bucketIds(_ times: UnsafePointer<Int64>, origin: Int64, buckets: UnsafePointer<UInt32>,
                                 stride: UInt64, count: Int, into ids: UnsafeMutablePointer<UInt64>) {
        for i in 0..<count { ids[i] = UInt64(buckets[Int(truncatingIfNeeded: (times[i] &- origin) / BucketTable.slot)]) &* stride }
    }

    /// `sums[ids[i] * width + column] = 1` for every row: marks the groups the
    /// rows fall in (plain stores, so no row waits for the one before).
    public static func mark(ids: UnsafePointer<UInt64>, count: Int, sums: UnsafeMutablePointer<Int64>, width: Int, column: Int) {
        let base = sums + column
        for i in 0..<count { base[Int(truncatingIfNeeded: ids[i]) &* width] = 1 }
    }

    /// Sends masked-out rows to the discard slot.
    public static func discard(_ keep: UnsafePointer<Bool>, count: Int, slot: UInt64, ids: UnsafeMutablePointer<UInt64>) {
        for i in 0..<count where !keep[i] { ids[i] = slot }
    }

    /// For every row: `sums[ids[i] * width + m] += metrics[m][i]` for each
    /// metric m, and `sums[ids[i] * width + metrics.count] = 1` (the group has
    /// rows: a plain store, so it adds no dependency between rows), in one pass
    /// so each row touches its group's accumulators once.
    ///
    /// With `copies == 4`, `sums` holds four copies of the accumulators
    /// `copyStride` apart and row i adds into copy i % 4: when few groups
    /// repeat row after row, the four copies keep four independent addition
    /// chains in flight instead of one (the caller adds the copies up).
    public static func accumulateRows(_ metrics: [UnsafePointer<Int64>], ids: UnsafePointer<UInt64>, count: Int,
                               sums: UnsafeMutablePointer<Int64>, width: Int, copies: Int, copyStride: Int) {
        precondition(copies == 1 || copies == 4)
        let mask = copies - 1
        @inline(__always) func slot(_ i: Int) -> UnsafeMutablePointer<Int64> {
            sums + ((i & mask) &* copyStride &+ Int(truncatingIfNeeded: ids[i]) &* width)
        }
        switch metrics.count {
        case 0:
            for i in 0..<count { slot(i)[0] = 1 }
        case 1:
            let a = metrics[0]
            for i in 0..<count {
                let b = slot(i)
                b[0] &+= a[i]; b[1] = 1
            }
        case 2:
            let a = metrics[0], c = metrics[1]
            for i in 0..<count {
                let b = slot(i)
                b[0] &+= a[i]; b[1] &+= c[i]; b[2] = 1
            }
        case 3:
            let a = metrics[0], c = metrics[1], d = metrics[2]
            for i in 0..<count {
                let b = slot(i)
                b[0] &+= a[i]; b[1] &+= c[i]; b[2] &+= d[i]; b[3] = 1
            }
        default:
            for i in 0..<count {
                let b = slot(i)
                for (m, v) in metrics.enumerated() { b[m] &+= v[i] }
                b[metrics.count] = 1
            }
        }
    }
}
