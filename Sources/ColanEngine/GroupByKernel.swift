@_spi(Benchmarks) import ColanTime

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

/// Vectorizable loops over decoded columns: the group-by kernel. Visible outside ColanCore
/// only as SPI `Benchmarks`, so the benchmark suite can time it on decoded vectors alone.
@_spi(Benchmarks) public enum GroupByKernel {
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

    /// Sends masked-out rows to the discard slot.
    public static func discard(_ keep: UnsafePointer<Bool>, count: Int, slot: UInt64, ids: UnsafeMutablePointer<UInt64>) {
        for i in 0..<count where !keep[i] { ids[i] = slot }
    }

    /// The number of runs of equal ids (1 + the number of changes): tells the
    /// scan whether `accumulateRuns` pays off.
    public static func runCount(_ ids: UnsafePointer<UInt64>, count: Int) -> Int {
        guard count > 1 else { return count }
        var changes = 0
        for i in 1..<count { changes &+= ids[i] != ids[i &- 1] ? 1 : 0 }
        return changes &+ 1
    }

    /// The same sums as `accumulateRows` for rows that come in runs of one
    /// group (rows stored in scan order, grouped by their leading
    /// dimensions): each run's values are added up contiguously (a loop the
    /// compiler vectorizes) and touch the group's accumulators once.
    /// Writes copy 0 only.
    public static func accumulateRuns(_ metrics: [UnsafePointer<Int64>], ids: UnsafePointer<UInt64>, count: Int,
                                      sums: UnsafeMutablePointer<Int64>, width: Int, inexact: Bool) {
        var start = 0
        while start < count {
            let id = ids[start]
            var end = start &+ 1
            while end < count && ids[end] == id { end &+= 1 }
            addRun(metrics, start, end, into: sums + Int(truncatingIfNeeded: id) &* width, inexact: inexact)
            start = end
        }
    }

    /// The same sums for rows given as runs: run r is `lengths[r]` rows of
    /// group `groups[r]`, the runs following each other from row 0. Used when
    /// the group comes straight from a run-length encoded column, so no row
    /// gets a group id of its own. Writes copy 0 only.
    public static func accumulateRunList(_ metrics: [UnsafePointer<Int64>], groups: UnsafePointer<UInt64>,
                                         lengths: UnsafePointer<Int32>, runs: Int,
                                         sums: UnsafeMutablePointer<Int64>, width: Int, inexact: Bool) {
        var start = 0
        for r in 0..<runs {
            let end = start &+ Int(truncatingIfNeeded: lengths[r])
            addRun(metrics, start, end, into: sums + Int(truncatingIfNeeded: groups[r]) &* width, inexact: inexact)
            start = end
        }
    }

    /// Adds rows start..<end of every metric to one group's accumulators `b`
    /// and sets its flags (has rows; inexact when asked).
    @inline(__always)
    static func addRun(_ metrics: [UnsafePointer<Int64>], _ start: Int, _ end: Int, into b: UnsafeMutablePointer<Int64>, inexact: Bool) {
        for (m, values) in metrics.enumerated() { b[m] &+= rangeSum(values, start, end) }
        b[metrics.count] = 1
        if inexact { b[metrics.count &+ 1] = 1 }
    }

    /// `values[start..<end]` added up: a plain wrapping reduction, which the
    /// compiler vectorizes (two lanes per SSE register, unrolled).
    @inline(__always)
    static func rangeSum(_ values: UnsafePointer<Int64>, _ start: Int, _ end: Int) -> Int64 {
        var sum: Int64 = 0
        for i in start..<end { sum &+= values[i] }
        return sum
    }

    /// For every row: `sums[ids[i] * width + m] += metrics[m][i]` for each
    /// metric m, and `sums[ids[i] * width + metrics.count] = 1` (the group has
    /// rows: a plain store, so it adds no dependency between rows), plus
    /// `... + metrics.count + 1] = 1` when `inexact` (its unique viewers are a
    /// bound), in one pass so each row touches its group's accumulators once.
    ///
    /// With `copies == 4`, `sums` holds four copies of the accumulators
    /// `copyStride` apart and row i adds into copy i % 4: when few groups
    /// repeat row after row, the four copies keep four independent addition
    /// chains in flight instead of one (the caller adds the copies up).
    public static func accumulateRows(_ metrics: [UnsafePointer<Int64>], ids: UnsafePointer<UInt64>, count: Int,
                               sums: UnsafeMutablePointer<Int64>, width: Int, copies: Int, copyStride: Int,
                               inexact: Bool = false) {
        precondition(copies == 1 || copies == 4)
        let mask = copies - 1
        let f = metrics.count
        @inline(__always) func slot(_ i: Int) -> UnsafeMutablePointer<Int64> {
            sums + ((i & mask) &* copyStride &+ Int(truncatingIfNeeded: ids[i]) &* width)
        }
        // Called with a literal, so each call gets its own copy of the loops, the
        // inexact flag's store only in the copy that needs it (no branch per row).
        @inline(__always) func rows(markingInexact: Bool) {
            // The flags' positions are literals in the unrolled cases, so they are constant offsets.
            @inline(__always) func flag(_ b: UnsafeMutablePointer<Int64>, at column: Int) {
                b[column] = 1
                if markingInexact { b[column &+ 1] = 1 }
            }
            switch metrics.count {
            case 0:
                for i in 0..<count { flag(slot(i), at: 0) }
            case 1:
                let a = metrics[0]
                for i in 0..<count {
                    let b = slot(i)
                    b[0] &+= a[i]; flag(b, at: 1)
                }
            case 2:
                let a = metrics[0], c = metrics[1]
                for i in 0..<count {
                    let b = slot(i)
                    b[0] &+= a[i]; b[1] &+= c[i]; flag(b, at: 2)
                }
            case 3:
                let a = metrics[0], c = metrics[1], d = metrics[2]
                for i in 0..<count {
                    let b = slot(i)
                    b[0] &+= a[i]; b[1] &+= c[i]; b[2] &+= d[i]; flag(b, at: 3)
                }
            default:
                for i in 0..<count {
                    let b = slot(i)
                    for (m, v) in metrics.enumerated() { b[m] &+= v[i] }
                    flag(b, at: f)
                }
            }
        }
        if inexact { rows(markingInexact: true) } else { rows(markingInexact: false) }
    }
}
