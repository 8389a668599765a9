import Dispatch
import ColanSupport

/// The order segments store their rows in (docs/FORMAT.md, "Row order"):
/// by time, then by the values of the dimensions with fewest distinct values
/// (UTF-8 byte order, nulls last), fewest first.
///
/// Why: rows of one instant are clustered by their coarsest dimensions, so
/// those dimensions' codes form long runs (run-length encoded to almost
/// nothing) and a query grouping or filtering by them meets whole runs of
/// one group, which the kernel adds up as contiguous sums instead of row by
/// row. Time stays sorted, so time skipping and time encodings are unchanged.
extension Table {
    /// The product of the sort dimensions' distinct counts stays within this:
    /// past it, rows of one instant rarely share their leading values, so a
    /// further key would cost a pass and make no runs.
    static let scanOrderCombinations = 65_536

    /// The dimension columns (string columns with the dimension role) rows are
    /// sorted by, in order: fewest distinct values first (ties by name), as
    /// long as the product of their distinct counts is within `scanOrderCombinations`.
    func scanOrderDimensions() -> [Int] {
        let candidates = schema.columns.indices.filter(isScanOrderCandidate)
        // One counting pass per dimension, on all cores for a segment-sized table.
        let distinct = Slots<Int>(count: candidates.count)
        let count: @Sendable (Int) -> Void = { [self] k in
            let i = candidates[k]
            guard case .dictionary(let dictionary, let codes) = columns[i].values else { return }
            var seen = [Bool](repeating: false, count: dictionary.count + 1)
            if let validity = columns[i].validity {
                for (r, code) in codes.enumerated() { seen[validity[r] ? Int(code) : dictionary.count] = true }
            } else {
                for code in codes { seen[Int(code)] = true }
            }
            distinct.set(k, seen.reduce(0) { $0 + ($1 ? 1 : 0) })
        }
        if rowCount >= Self.parallelRows {
            DispatchQueue.concurrentPerform(iterations: candidates.count, execute: count)
        } else {
            candidates.indices.forEach(count)
        }
        let counts = distinct.values
        return Self.scanOrderDimensions(candidates.indices.map { k in (counts[k] ?? 0, schema.columns[candidates[k]].name, candidates[k]) })
    }

    /// The sort dimensions chosen from the candidates' distinct counts (nulls
    /// counting as one value): fewest first, ties by name, while the product of
    /// the counts stays within `scanOrderCombinations`. Column positions, in order.
    package static func scanOrderDimensions(_ candidates: [(distinct: Int, name: String, index: Int)]) -> [Int] {
        var combinations = 1
        return candidates.sorted { ($0.distinct, $0.name) < ($1.distinct, $1.name) }.prefix { key in
            let (product, overflow) = combinations.multipliedReportingOverflow(by: key.distinct)
            combinations = overflow ? .max : product
            return combinations <= Self.scanOrderCombinations
        }.map(\.index)
    }

    /// Whether column `i` is one scan order may sort by: a dictionary-coded dimension.
    func isScanOrderCandidate(_ i: Int) -> Bool {
        guard schema.columns[i].role == .dimension, case .dictionary = columns[i].values else { return false }
        return true
    }

    /// This table with its rows in scan order; itself when they already are.
    /// The sort is stable, so rows equal in every key keep their order.
    ///
    /// Counting sorts on the dimensions' ranks (a dimension has far fewer
    /// values than rows) combined into one key: when times are already in
    /// order, each instant's rows are sorted on their own, a byte of the key
    /// per pass; otherwise one pass by the key (or one per dimension when the
    /// key space is too large), then one by time. A few nanoseconds a row per
    /// pass, so importers can afford it.
    public func inScanOrder() -> Table {
        var table = self
        table.sortIntoScanOrder()
        return table
    }

    /// `inScanOrder` in place. When times were in order already (the usual
    /// report), rows only move within their instant, so each column is
    /// reordered run by run through a run-sized scratch copy instead of into a
    /// new array: no second copy of a big report's columns (for a 10M-row file,
    /// 520 MB of fresh pages the kernel would have to fault in and clear).
    public mutating func sortIntoScanOrder() {
        guard let (order, withinInstants) = scanOrderPlan() else { return }
        guard withinInstants, let t = schema.index(of: "time"), case .int64(let times) = columns[t].values else {
            self = permuted(order)
            return
        }
        var starts = [0]
        for i in 1..<times.count where times[i] != times[i - 1] { starts.append(i) }
        starts.append(times.count)
        // Each column in a box of its own, so the box holds the only reference to its arrays
        // (reordered without a copy-on-write copy) and columns can be reordered on all cores.
        let boxes = columns.map(ColumnBox.init)
        columns = []
        let runs = starts
        let reorder: @Sendable (Int) -> Void = { c in
            // The time column is the same in every row of a run: nothing moves.
            if c != t { boxes[c].data.permuteWithinRuns(order, runs) }
        }
        if times.count >= Self.parallelRows {
            DispatchQueue.concurrentPerform(iterations: boxes.count, execute: reorder)
        } else {
            boxes.indices.forEach(reorder)
        }
        columns = boxes.map(\.data)
    }

    /// The row order `inScanOrder` applies (row `order[i]` becomes row i), or nil
    /// when the rows are in scan order already.
    public func scanOrder() -> [Int]? { scanOrderPlan()?.order }

    /// `scanOrder`, and whether it only moves rows within their instant (times were in order).
    private func scanOrderPlan() -> (order: [Int], withinInstants: Bool)? {
        let n = rowCount
        guard n > 1 else { return nil }
        let times: [Int64]? = schema.index(of: "time").flatMap { i in
            if case .int64(let t) = columns[i].values { return t } else { return nil }
        }
        // One pass over the times: rising row by row (a report of one series, such as a response
        // per channel and day), they are in order whatever the dimensions say, which need not
        // be looked at; never falling, each instant's rows are contiguous.
        var timesInOrder = times != nil, timesRise = times != nil
        if let times {
            for i in 1..<n where times[i] <= times[i - 1] {
                timesRise = false
                if times[i] < times[i - 1] {
                    timesInOrder = false
                    break
                }
            }
        }
        if timesRise { return nil }
        // Each sort dimension: its codes, validity and the rank of each dictionary entry in UTF-8 order.
        // A `let`: the closures below read it on every row, and a captured `var` is checked for
        // exclusive access at run time on each read.
        let keys: [(codes: [UInt32], validity: [Bool]?, rank: [UInt32])] = scanOrderDimensions().compactMap { i in
            guard case .dictionary(let dictionary, let codes) = columns[i].values else { return nil }
            var rank = utf8Ranks(dictionary)
            rank.append(UInt32(dictionary.count))  // nulls: after every value
            return (codes, columns[i].validity, rank)
        }
        @inline(__always) func key(_ k: Int, _ row: Int) -> UInt32 {
            let (codes, validity, rank) = keys[k]
            if let validity, !validity[row] { return rank[rank.count - 1] }
            return rank[Int(codes[row])]
        }
        // The dimensions' ranks as one composite key (the first dimension most significant):
        // whether rows are in order is one comparison of (time, key) per row, and one counting
        // pass sorts by all of them. Per dimension only when the key space is too large.
        let space = keys.reduce(1) { $0.multipliedReportingOverflow(by: $1.rank.count).overflow ? Int.max : $0 * $1.rank.count }
        let composite: [UInt32]? = space <= Int(UInt32.max) ? Self.compositeKeys(n, keys) : nil
        // Already in order? (The usual case at the store: importers sort each report.)
        if let composite {
            if timesInOrder || times == nil, Self.isSorted(times: times, composite) { return nil }
        } else {
            // Checked row by row through the dictionary ranks, without building per-row keys.
            func before(_ a: Int, _ b: Int) -> Bool {
                if let times, times[a] != times[b] { return times[a] < times[b] }
                for k in keys.indices {
                    let x = key(k, a), y = key(k, b)
                    if x != y { return x < y }
                }
                return false
            }
            if isSorted(n, before) { return nil }
        }
        var ranks: [[UInt32]] = []
        var buckets: [Int] = []
        // (The counting array costs a pass over `space` entries: worth it only when rows outnumber them.)
        if let composite, space <= min(Self.compositeBuckets, max(4 * n, 1024)) {
            ranks = [composite]
            buckets = [space]
        } else {
            ranks = keys.indices.map { k in (0..<n).map { key(k, $0) } }
            buckets = keys.map(\.rank.count)
        }
        if let times, ranks.count == 1, timesInOrder {
            // Times already sorted (the usual report): each instant's rows are contiguous, so each
            // run is sorted by the composite key on its own, a byte of the key per pass, in the
            // cache (a pass over the whole table scatters rows across memory, slow on big reports).
            return (RunRadixSortKernel.order(times: times, key: ranks[0], buckets: buckets[0], parallelRows: Self.parallelRows), true)
        }
        if let times, !timesInOrder, let composite, let (key, slots) = Self.timeSlotKeys(times, composite: composite, space: space) {
            // Times out of order on a common step (hours or days: a folder of responses joined channel by
            // channel): one sort by (time slot, dimensions) instead of one by the dimensions and two by time.
            return (KeyRadixSortKernel.order(key, buckets: slots), false)
        }
        var order = Array(0..<n)
        var scratch = [Int](repeating: 0, count: n)
        /// One stable counting pass of `order` by `key[row]` (< buckets).
        func pass<Key: BinaryInteger>(_ key: [Key], buckets: Int) {
            var starts = [Int](repeating: 0, count: buckets + 1)
            for row in order { starts[Int(key[row]) + 1] += 1 }
            for b in 0..<buckets { starts[b + 1] += starts[b] }
            for row in order {
                let b = Int(key[row])
                scratch[starts[b]] = row
                starts[b] += 1
            }
            swap(&order, &scratch)
        }
        for k in ranks.indices.reversed() { pass(ranks[k], buckets: buckets[k]) }
        if let times, !timesInOrder, let low = times.min(), let high = times.max(), high - low < 1 << 32 {
            // Times out of order within 136 years of each other (every real segment): two stable
            // passes on 16-bit digits of their offset from the earliest. Ranking the distinct times
            // through a Set and a Dictionary hashed every row twice (a fifth of a commit of many
            // small responses).
            let offsets = times.map { UInt32(truncatingIfNeeded: $0 - low) }
            pass(offsets.map { UInt16(truncatingIfNeeded: $0) }, buckets: 1 << 16)
            if high - low >= 1 << 16 { pass(offsets.map { UInt16(truncatingIfNeeded: $0 >> 16) }, buckets: 1 << 16) }
        } else if let times {
            // Times as ranks among their distinct values: run numbers when they are sorted.
            var timeRank = [Int32](repeating: 0, count: n)
            var distinct = 1
            if timesInOrder {
                for i in 1..<n {
                    if times[i] != times[i - 1] { distinct += 1 }
                    timeRank[i] = Int32(distinct - 1)
                }
            } else {
                let sorted = Array(Set(times)).sorted()
                let position = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, Int32($0)) })
                for i in 0..<n { timeRank[i] = position[times[i]] ?? 0 }
                distinct = sorted.count
            }
            if distinct > 1 { pass(timeRank, buckets: distinct) }
        }
        return (order, false)
    }

    /// Each row's key as (time slot, composite key) in one integer, and how many keys there can be,
    /// when the times share a step (their offsets from the earliest all multiples of it) and the
    /// slots times the key space stay within twice the rows (a counting pass then costs about three
    /// passes over the rows); nil otherwise.
    private static func timeSlotKeys(_ times: [Int64], composite: [UInt32], space: Int) -> (key: [UInt32], buckets: Int)? {
        guard let low = times.min(), let high = times.max(), high > low, high - low < 1 << 32 else { return nil }
        // Offsets from the earliest fit 32 bits (136 years of seconds), so each is divided by the step
        // through a multiplication (`Divisor`): two 64-bit divisions a row cost 5 ms of a commit of
        // 480,000 rows.
        // The offsets' greatest common divisor: the first offset's, then narrowed by each that it does not divide.
        var step: UInt32 = 0
        var divisor = Divisor(1)
        for t in times where t != low {
            let offset = UInt32(truncatingIfNeeded: t - low)
            guard step == 0 || divisor.remainder(offset) != 0 else { continue }
            var (a, b) = (step, offset)
            while b != 0 { (a, b) = (b, a % b) }
            step = a
            divisor = Divisor(step)
            if step == 1 { break }
        }
        let slots = Int(UInt32(truncatingIfNeeded: high - low) / step) + 1
        let (buckets, overflow) = slots.multipliedReportingOverflow(by: space)
        guard !overflow, buckets <= min(1 << 22, max(2 * times.count, 1024)) else { return nil }
        let width = UInt32(space)
        var key = [UInt32](repeating: 0, count: times.count)
        for i in times.indices { key[i] = divisor.quotient(UInt32(truncatingIfNeeded: times[i] - low)) &* width &+ composite[i] }
        return (key, buckets)
    }

    /// Division of 32-bit numbers by a fixed divisor through multiplications (Lemire, Kaser and
    /// Kurz, "Faster Remainder by Direct Computation", 2019: exact for every 32-bit dividend).
    struct Divisor {
        /// The divisor (at least 1).
        let d: UInt32
        /// ceil(2^64 / d), or 0 for d == 1 (divided as it is).
        private let m: UInt64

        init(_ d: UInt32) {
            precondition(d > 0)
            self.d = d
            m = d == 1 ? 0 : UInt64.max / UInt64(d) + 1
        }

        /// x / d.
        func quotient(_ x: UInt32) -> UInt32 {
            d == 1 ? x : UInt32(truncatingIfNeeded: m.multipliedFullWidth(by: UInt64(x)).high)
        }

        /// x % d.
        func remainder(_ x: UInt32) -> UInt32 {
            d == 1 ? 0 : UInt32(truncatingIfNeeded: (m &* UInt64(x)).multipliedFullWidth(by: UInt64(d)).high)
        }
    }

    /// Each row's composite key: the rank of its value (nulls: the last rank) in every
    /// dimension, the first most significant (the caller checked that the key space fits
    /// in 32 bits). Slices of rows on all cores for a big table.
    private static func compositeKeys(_ n: Int, _ keys: [(codes: [UInt32], validity: [Bool]?, rank: [UInt32])]) -> [UInt32] {
        let slice: @Sendable (Int, Int) -> [UInt32] = { lo, hi in
            var out = [UInt32](repeating: 0, count: hi - lo)
            for (codes, validity, rank) in keys {
                let width = UInt32(truncatingIfNeeded: rank.count), null = rank[rank.count - 1]
                if let validity {
                    for row in lo..<hi { out[row - lo] = out[row - lo] &* width &+ (validity[row] ? rank[Int(codes[row])] : null) }
                } else {
                    for row in lo..<hi { out[row - lo] = out[row - lo] &* width &+ rank[Int(codes[row])] }
                }
            }
            return out
        }
        guard n >= parallelRows else { return slice(0, n) }
        let slices = 16
        let parts = Slots<[UInt32]>(count: slices)
        DispatchQueue.concurrentPerform(iterations: slices) { s in parts.set(s, slice(s * n / slices, (s + 1) * n / slices)) }
        var composite: [UInt32] = []
        composite.reserveCapacity(n)
        for part in parts.filled { composite += part }
        return composite
    }

    /// Whether (time, composite key) never decreases from a row to the next (times, when
    /// given, must be in order already): a tight loop, in slices on all cores for a big table.
    private static func isSorted(times: [Int64]?, _ composite: [UInt32]) -> Bool {
        let n = composite.count
        let check: @Sendable (Int, Int) -> Bool = { lo, hi in
            let from = max(lo, 1), c = composite
            guard from < hi else { return true }
            guard let t = times else { return !(from..<hi).contains { c[$0] < c[$0 - 1] } }
            for i in from..<hi where t[i] == t[i - 1] && c[i] < c[i - 1] { return false }
            return true
        }
        guard n >= parallelRows else { return check(0, n) }
        let slices = 16
        let unsorted = Slots<Bool>(count: slices)
        DispatchQueue.concurrentPerform(iterations: slices) { s in
            if !check(s * n / slices, (s + 1) * n / slices) { unsorted.set(s, true) }
        }
        return !unsorted.values.contains { $0 == true }
    }

    /// The most buckets a composite sort key may have (its counting array: 2 MB).
    static let compositeBuckets = 1 << 18

    /// Tables of at least this many rows are checked and counted on all cores.
    package static let parallelRows = 1 << 18

    /// Whether no row comes `before` the row above it: in slices on all cores for a large table.
    private func isSorted(_ n: Int, _ before: (Int, Int) -> Bool) -> Bool {
        guard n >= Self.parallelRows else { return !(1..<n).contains(where: { before($0, $0 - 1) }) }
        let slices = 16
        let unsorted = Slots<Bool>(count: slices)
        withoutActuallyEscaping(before) { before in
            let check = UncheckedSendable(before)
            DispatchQueue.concurrentPerform(iterations: slices) { k in
                let lo = max(1, k * n / slices), hi = (k + 1) * n / slices
                if lo < hi, (lo..<hi).contains(where: { check.value($0, $0 - 1) }) { unsorted.set(k, true) }
            }
        }
        return !unsorted.values.contains { $0 == true }
    }

    /// The table with row `order[i]` as row i.
    func permuted(_ order: [Int]) -> Table {
        var out = self
        // Columns are gathered independently: on all cores for a big table.
        let gathered = Slots<ColumnData>(count: columns.count)
        let gather: @Sendable (Int) -> Void = { [columns] c in
            let column = columns[c]
            let values: ColumnValues
            switch column.values {
            case .int64(let v): values = .int64(order.map { v[$0] })
            case .float64(let v): values = .float64(order.map { v[$0] })
            case .bool(let v): values = .bool(order.map { v[$0] })
            case .string(let v): values = .string(order.map { v[$0] })
            case .dictionary(let d, let codes): values = .dictionary(dictionary: d, codes: order.map { codes[$0] })
            }
            gathered.set(c, ColumnData(values, validity: column.validity.map { v in order.map { v[$0] } }))
        }
        if rowCount >= Self.parallelRows {
            DispatchQueue.concurrentPerform(iterations: columns.count, execute: gather)
        } else {
            columns.indices.forEach(gather)
        }
        out.columns = gathered.filled
        return out
    }
}

/// A column on its own, so that its box holds the only reference to its arrays.
private final class ColumnBox: @unchecked Sendable {
    var data: ColumnData
    init(_ data: ColumnData) { self.data = data }
}

extension ColumnData {
    /// Reorders rows within runs: row `order[i]` becomes row i, where every
    /// `order[i]` lies in the same run `runs[k] ..< runs[k + 1]` as i. In place
    /// (the arrays must not be shared, or they are copied first).
    mutating func permuteWithinRuns(_ order: [Int], _ runs: [Int]) {
        if var valid = validity {
            validity = nil
            Self.permute(&valid, order, runs)
            validity = valid
        }
        switch values {
        case .int64(var v):
            values = .bool([])  // drops this enum's reference, so `v` is the only one
            Self.permute(&v, order, runs)
            values = .int64(v)
        case .float64(var v):
            values = .bool([])
            Self.permute(&v, order, runs)
            values = .float64(v)
        case .bool(var v):
            values = .bool([])
            Self.permute(&v, order, runs)
            values = .bool(v)
        case .string(var v):
            values = .bool([])
            Self.permute(&v, order, runs)
            values = .string(v)
        case .dictionary(let dictionary, var codes):
            values = .bool([])
            Self.permute(&codes, order, runs)
            values = .dictionary(dictionary: dictionary, codes: codes)
        }
    }

    /// `values[i] = old values[order[i]]`, run by run through a scratch copy of the run.
    private static func permute<T>(_ values: inout [T], _ order: [Int], _ runs: [Int]) {
        var scratch: [T] = []
        for k in 0..<(runs.count - 1) {
            let start = runs[k], end = runs[k + 1]
            guard end - start > 1 else { continue }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: values[start..<end])
            for i in start..<end { values[i] = scratch[order[i] - start] }
        }
    }
}
