/// The order segments store their rows in (docs/FORMAT.md, "Row order"):
/// by time, then by each dimension's value in UTF-8 byte order (nulls last),
/// the dimensions taken fewest distinct values first.
///
/// Why: rows of one instant are clustered by their coarsest dimensions, so
/// those dimensions' codes form long runs (run-length encoded to almost
/// nothing) and a query grouping or filtering by them meets whole runs of
/// one group, which the kernel adds up as contiguous sums instead of row by
/// row. Time stays sorted, so time skipping and time encodings are unchanged.
extension Table {
    /// The dimension columns (string columns with the dimension role) in the
    /// order rows are sorted by: fewest distinct values first, then by name.
    func scanOrderDimensions() -> [Int] {
        var keyed: [(distinct: Int, name: String, index: Int)] = []
        for (i, c) in schema.columns.enumerated() where c.role == .dimension {
            guard case .dictionary(let dictionary, let codes) = columns[i].values else { continue }
            var seen = [Bool](repeating: false, count: dictionary.count + 1)
            let validity = columns[i].validity
            for (r, code) in codes.enumerated() { seen[validity?[r] == false ? dictionary.count : Int(code)] = true }
            keyed.append((seen.reduce(0) { $0 + ($1 ? 1 : 0) }, c.name, i))
        }
        return keyed.sorted { ($0.distinct, $0.name) < ($1.distinct, $1.name) }.map(\.index)
    }

    /// This table with its rows in scan order; itself when they already are.
    /// The sort is stable, so rows equal in every key keep their order.
    public func inScanOrder() -> Table {
        let n = rowCount
        guard n > 1 else { return self }
        let times: [Int64]? = schema.index(of: "time").flatMap { i in
            if case .int64(let t) = columns[i].values { return t } else { return nil }
        }
        // Each dimension as ranks of its UTF-8-sorted dictionary (null after every value).
        let dims = scanOrderDimensions()
        var ranks: [[UInt32]] = []
        var bits = 0
        for i in dims {
            guard case .dictionary(let dictionary, let codes) = columns[i].values else { continue }
            let order = dictionary.indices.sorted { dictionary[$0].utf8.lexicographicallyPrecedes(dictionary[$1].utf8) }
            var rank = [UInt32](repeating: 0, count: dictionary.count)
            for (r, code) in order.enumerated() { rank[code] = UInt32(r) }
            let null = UInt32(dictionary.count)
            let validity = columns[i].validity
            ranks.append(codes.indices.map { validity?[$0] == false ? null : rank[Int(codes[$0])] })
            bits += UInt64(dictionary.count).bitWidthNeeded
        }
        func before(_ a: Int, _ b: Int) -> Bool {
            if let times, times[a] != times[b] { return times[a] < times[b] }
            for r in ranks where r[a] != r[b] { return r[a] < r[b] }
            return false
        }
        if !(1..<n).contains(where: { before($0, $0 - 1) }) { return self }

        let timeSorted = times.map { t in !(1..<n).contains { t[$0] < t[$0 - 1] } } ?? true
        let rowBits = UInt64(n).bitWidthNeeded
        var order: [Int] = []
        order.reserveCapacity(n)
        if timeSorted && bits + rowBits <= 64 {
            // The usual case: rows already in time order. Each run of one instant is
            // sorted by a packed key (dimension ranks, then row number for stability).
            var keys: [UInt64] = []
            var start = 0
            while start < n {
                var end = start + 1
                if let times { while end < n && times[end] == times[start] { end += 1 } } else { end = n }
                keys.removeAll(keepingCapacity: true)
                for row in start..<end {
                    var key: UInt64 = 0
                    for (d, r) in ranks.enumerated() { key = key << UInt64(columnsBits(dims[d])) | UInt64(r[row]) }
                    keys.append(key << rowBits | UInt64(row))
                }
                keys.sort()
                let mask = (UInt64(1) << rowBits) - 1
                for key in keys { order.append(Int(key & mask)) }
                start = end
            }
        } else {
            order = (0..<n).sorted { before($0, $1) || (!before($1, $0) && $0 < $1) }
        }
        return permuted(order)
    }

    /// Bits of a dimension's rank (its dictionary entries plus the null rank).
    private func columnsBits(_ column: Int) -> Int {
        guard case .dictionary(let dictionary, _) = columns[column].values else { return 0 }
        return UInt64(dictionary.count).bitWidthNeeded
    }

    /// The table with row `order[i]` as row i.
    func permuted(_ order: [Int]) -> Table {
        var out = self
        for c in columns.indices {
            let column = columns[c]
            let values: ColumnValues
            switch column.values {
            case .int64(let v): values = .int64(order.map { v[$0] })
            case .float64(let v): values = .float64(order.map { v[$0] })
            case .bool(let v): values = .bool(order.map { v[$0] })
            case .string(let v): values = .string(order.map { v[$0] })
            case .dictionary(let d, let codes): values = .dictionary(dictionary: d, codes: order.map { codes[$0] })
            }
            out.columns[c] = ColumnData(values, validity: column.validity.map { v in order.map { v[$0] } })
        }
        return out
    }
}

extension UInt64 {
    /// Bits needed to hold every value 0...self.
    var bitWidthNeeded: Int { Self.bitWidth - leadingZeroBitCount }
}
