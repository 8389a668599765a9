import ColanSupport
@_spi(Benchmarks) import ColanTime
import ColanColumns
import ColanFormat

extension RowGroupScan {
    /// Writes the group id of each of the next `m` rows (from row `v`) to `scratch.ids`: its
    /// time bucket times `product` plus its grouping dimensions' translated codes; rows
    /// outside the range, filtered out or hidden are marked in `scratch.keep`.
    /// - Returns: whether any row was marked (the caller gives them the discard id).
    mutating func groupIds(first v: Int, count m: Int) throws -> Bool {
        let ids = scratch.ids.pointer, keep = scratch.keep.pointer, times = scratch.times.pointer
        var masked = false
        if var cursor = timeCursor {
            cursor.next(m, into: times)
            timeCursor = cursor
            if let range = plan.range {
                for i in 0..<m {
                    let inside = range.contains(times[i])
                    keep[i] = inside
                    masked = masked || !inside
                }
            }
            if masked {
                // Rows outside the table's range are masked; clamp them into it before the lookup.
                for i in 0..<m where !keep[i] { times[i] = min(max(times[i], first), last) }
            }
            let origin = table.origin, product = self.product
            table.ids.withUnsafeBufferPointer { b in
                GroupByKernel.bucketIds(times, origin: origin, buckets: b.baseAddress!, stride: product, count: m, into: ids)
            }
            if table.remap != nil {
                for i in 0..<m { ids[i] = buckets.remap(table, ids[i] / product) * product }
            }
        } else {
            ids.initialize(repeating: 0, count: m)
        }
        if !masked { keep.initialize(repeating: true, count: m) }
        let codes = scratch.codes.pointer, wide = scratch.wide.pointer
        do {
            for d in dimCursors.indices {
                try dimCursors[d].next(m, into: codes, scratch: wide)
                task.translations[d].withUnsafeBufferPointer { t in
                    GroupByKernel.addDimension(codes, t.baseAddress!, count: m, into: ids)
                }
            }
            for f in filterCursors.indices {
                try filterCursors[f].next(m, into: codes, scratch: wide)
                let allowed = task.filters[f].allowed
                for i in 0..<m where !allowed[Int(codes[i])] {
                    keep[i] = false
                    masked = true
                }
            }
        } catch let error as ColanError {
            throw located(error)
        }
        if let hidden {
            for i in 0..<m where !hidden.pointer[v + i] {
                keep[i] = false
                masked = true
            }
        }
        return masked
    }
}
