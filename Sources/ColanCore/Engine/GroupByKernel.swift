// Kernel file: unsafe pointer code lives here, with its invariants written down.
//
// The group-by kernel sums metric vectors into per-group accumulators keyed by
// a dense group id per row. Group ids come from dictionary codes through a
// per-chunk table (code -> group), so there is no per-row dictionary or hash
// work. Invariants the callers keep:
// - `groups[i] < groupCount` for every row i in 0..<count (the tables are built
//   from validated dictionary codes, see StringDecoder);
// - `sums` holds `groupCount * metricCount` Int64 accumulators, group-major;
// - every metric pointer is valid for `count` values.

/// Sums metric vectors into per-group accumulators.
enum GroupByKernel {
    /// Rows per pass: one vector, so the group ids and metric values stay in L1.
    static let passRows = vectorSize

    /// Computes each row's group id from one dimension's codes: `groups[i] = table[codes[i]]`.
    static func mapCodes(_ codes: UnsafePointer<UInt32>, _ table: UnsafePointer<UInt32>, count: Int,
                         into groups: UnsafeMutablePointer<UInt32>) {
        for i in 0..<count { groups[i] = table[Int(codes[i])] }
    }

    /// Adds one more dimension: `groups[i] = groups[i] * stride + table[codes[i]]` (composite local ids).
    static func combineCodes(_ codes: UnsafePointer<UInt32>, _ table: UnsafePointer<UInt32>, stride: UInt32, count: Int,
                             into groups: UnsafeMutablePointer<UInt32>) {
        for i in 0..<count { groups[i] = groups[i] &* stride &+ table[Int(codes[i])] }
    }

    /// `sums[groups[i] * metricCount + m] += metrics[m][i]` for every row and metric.
    /// Rows whose group id is `skip` (filtered out) are ignored.
    static func sum(groups: UnsafePointer<UInt32>, count: Int, metrics: [UnsafePointer<Int64>],
                    sums: UnsafeMutablePointer<Int64>, metricCount: Int, skip: UInt32) {
        if metricCount == 1 {
            let v = metrics[0]
            for i in 0..<count where groups[i] != skip { sums[Int(groups[i])] &+= v[i] }
            return
        }
        for (m, v) in metrics.enumerated() {
            let base = sums + m
            for i in 0..<count where groups[i] != skip { base[Int(groups[i]) &* metricCount] &+= v[i] }
        }
    }
}
