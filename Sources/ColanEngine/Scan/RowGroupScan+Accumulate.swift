import ColanSupport
@_spi(Benchmarks) import ColanTime
import ColanColumns
import ColanFormat

extension RowGroupScan {
    /// Adds the next `m` rows' metrics to their groups: dense arrays by runs of one group or
    /// row by row (`GroupByKernel`), else the hash map; with each group's first and last time
    /// where a total's unique viewers may be exact.
    func accumulate(_ m: Int, pointers: [UnsafePointer<Int64>], into acc: inout Accumulators) {
        let ids = scratch.ids.pointer
        let inexact = !segment.exactViewers
        guard acc.denseGroups != nil else {
            accumulateSparse(&acc, count: m)
            return
        }
        let width = acc.width, copies = acc.copies, copyStride = acc.copyStride
        let spans = segment.exactViewers && plan.query.interval == .total && timeCursor != nil
        let layout = acc.layout, times = scratch.times.pointer
        acc.dense.withUnsafeMutableBufferPointer { sums in
            // Rows in scan order often come in runs of one group (an average run of 16 rows pays for the check).
            if GroupByKernel.runCount(ids, count: m) &* 16 <= m {
                GroupByKernel.accumulateRuns(pointers, ids: ids, count: m, sums: sums.baseAddress!, width: width, inexact: inexact)
            } else {
                GroupByKernel.accumulateRows(pointers, ids: ids, count: m, sums: sums.baseAddress!, width: width,
                                             copies: copies, copyStride: copyStride, inexact: inexact)
            }
            if spans {
                // A total's unique viewers are exact only over one report interval: each group's first and last time.
                let base = sums.baseAddress!
                for i in 0..<m {
                    let b = Int(ids[i]) * width
                    base[b + layout.minTime] = min(base[b + layout.minTime], times[i])
                    base[b + layout.maxTime] = max(base[b + layout.maxTime], times[i])
                }
            }
        }
    }

    /// The hash-map path for queries with too many groups for arrays.
    private func accumulateSparse(_ acc: inout Accumulators, count n: Int) {
        let ids = scratch.ids.pointer
        let times: UnsafeMutablePointer<Int64>? = timeCursor == nil ? nil : scratch.times.pointer
        let inputs = plan.inputs.count
        let layout = AccumulatorLayout(inputs: inputs)
        let exact = segment.exactViewers
        for i in 0..<n where ids[i] != discard {
            let key = ids[i]
            let slot: Int
            if let existing = acc.slots[key] { slot = existing } else {
                slot = acc.sparse.count / acc.width
                acc.slots[key] = slot
                acc.sparse += [Int64](repeating: 0, count: acc.width)
                acc.sparse[slot * acc.width + layout.minTime] = .max
                acc.sparse[slot * acc.width + layout.maxTime] = .min
            }
            let base = slot * acc.width
            for m in 0..<inputs { acc.sparse[base + m] &+= scratch.metrics[m].pointer[i] }
            acc.sparse[base + layout.hasRows] += 1
            if !exact { acc.sparse[base + layout.inexactRows] += 1 }
            if let times {
                acc.sparse[base + layout.minTime] = min(acc.sparse[base + layout.minTime], times[i])
                acc.sparse[base + layout.maxTime] = max(acc.sparse[base + layout.maxTime], times[i])
            }
        }
    }

    /// Row averages, source ids and presence bits, and the tracked slices' values, per group.
    mutating func addSideTotals(first v: Int, count m: Int, into side: inout SideTotals) throws {
        let ids = scratch.ids.pointer
        if !averaged.isEmpty || sources != nil || presence != nil {
            side.add(ids: ids, count: m, discard: discard, firstRow: v, averaged: averaged, sources: sources, presence: presence)
        }
        guard let sliceIds else { return }
        for j in sliceCursors.indices {
            guard sliceCursors[j] != nil, let table = task.slices[j] else { continue }
            try sliceCursors[j]!.next(m, into: scratch.codes.pointer, scratch: scratch.wide.pointer)
            for i in 0..<m { sliceIds.pointer[i] = table[Int(scratch.codes.pointer[i])] }
            side.slices[j].add(ids: ids, count: m, discard: discard, values: sliceIds.pointer)
        }
    }

    /// Gauges (concurrent users): summed per group and instant, their peak taken at finalize.
    mutating func addGauges(_ m: Int, into gauges: inout [UInt64: [Int64: [Int64]]]) {
        for c in gaugeCursors.indices {
            if gaugeCursors[c] == nil { scratch.gauges[c].pointer.initialize(repeating: 0, count: m) } else {
                gaugeCursors[c]!.next(m, into: scratch.gauges[c].pointer)
            }
        }
        let ids = scratch.ids.pointer, times = scratch.times.pointer
        for i in 0..<m where ids[i] != discard {
            var current = gauges[ids[i], default: [:]][times[i]] ?? [Int64](repeating: 0, count: gaugeCursors.count)
            for c in gaugeCursors.indices { current[c] &+= scratch.gauges[c].pointer[i] }
            gauges[ids[i], default: [:]][times[i]] = current
        }
    }
}
