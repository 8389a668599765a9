/// Answers rollups: plan (cuboids, segments, metrics) -> scan (decode only the
/// needed columns, dense group ids, both cores) -> finalize (derived metrics
/// recomputed from the sums of each output row) -> sorted rows.
public enum AggregateEngine {
    /// Answers `query` from `store`.
    public static func run(_ query: AggregateQuery, store: Store) throws -> AggregateResult {
        let watch = Stopwatch()
        var plan = try QueryPlanner.plan(query, store: store)
        let planned = watch.seconds
        let output = try QueryExecutor.run(&plan)
        let scanned = watch.seconds
        var explain = plan.explain
        explain.append("row groups: \(output.rowGroupsRead) read, \(output.rowGroupsSkipped) skipped by statistics; rows scanned: \(output.rowsScanned)")
        let inputs = plan.inputs
        let width = inputs.count + 4
        // Finalize each group: its bucket, dimension values and metrics.
        var product: UInt64 = 1
        for d in query.by.indices { product *= UInt64(max(output.dictionaries[d].values.count, 1)) }
        var keyed: [(bucket: Int, dims: [String], row: [ResultValue])] = []
        var inexactGroups = 0
        for (key, values) in output.groups {
            let bucket = Int(key / product)
            var rest = key % product
            var dims: [String] = []
            for d in query.by.indices {
                let stride = output.strides[d]
                dims.append(output.dictionaries[d].values[Int(rest / stride)])
                rest %= stride
            }
            let rows = values[width - 4], inexactRows = values[width - 3]
            let oneTime = values[width - 2] == values[width - 1]
            let exact = inexactRows == 0 && (query.interval != .total || oneTime)
            if !exact { inexactGroups += 1 }
            _ = rows
            var row: [ResultValue] = []
            if query.interval != .total { row.append(.text(output.buckets.labels[bucket])) }
            row += dims.map { .text($0) }
            let days = output.buckets.days[bucket]
            for d in plan.definitions {
                if let g = d.gauge, let gi = plan.gauges.firstIndex(of: g.column) {
                    let perInstant = (output.gauges[key] ?? [:]).sorted { $0.key < $1.key }.map { $0.value[gi] }
                    row.append(MetricDefinitions.gauge(perInstant, g.statistic))
                } else {
                    row.append(d.finish(d.inputs.map { values[inputs.firstIndex(of: $0) ?? 0] }, days, exact))
                }
            }
            keyed.append((bucket, dims, row))
        }
        keyed.sort { a, b in
            if a.bucket != b.bucket { return a.bucket < b.bucket }
            for (x, y) in zip(a.dims, b.dims) where x != y { return x.utf8.lexicographicallyPrecedes(y.utf8) }
            return false
        }
        if plan.definitions.contains(where: { $0.inputs.contains("uniqueViewers") }) {
            explain.append(inexactGroups == 0 ? "unique viewers: exact in every row"
                           : "unique viewers: an upper bound (marked <=) in \(inexactGroups) of \(keyed.count) rows: they do not add across dimensions or report intervals")
        }
        explain.append("time: plan \(formatMilliseconds(planned)) ms, scan \(formatMilliseconds(scanned - planned)) ms, "
                       + "finalize \(formatMilliseconds(watch.seconds - scanned)) ms")
        let columns = (query.interval == .total ? [] : ["time"]) + query.by + plan.definitions.map(\.name)
        return AggregateResult(columns: columns, rows: keyed.map(\.row), explain: explain)
    }

    /// "did you mean X? " for the known name closest to `name`, or "".
    static func suggestion(_ name: String, _ known: [String]) -> String {
        func distance(_ a: String, _ b: String) -> Int {
            let a = Array(a.lowercased()), b = Array(b.lowercased())
            guard !a.isEmpty else { return b.count }
            guard !b.isEmpty else { return a.count }
            var row = Array(0...b.count)
            for i in 1...a.count {
                var previous = row[0]
                row[0] = i
                for j in 1...b.count {
                    let old = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                    previous = old
                }
            }
            return row[b.count]
        }
        guard let best = known.min(by: { distance(name, $0) < distance(name, $1) }),
              distance(name, best) <= max(3, name.count / 2) else { return "" }
        return "did you mean '\(best)'? "
    }
}

func formatMilliseconds(_ s: Double) -> String {
    let tenths = Int((s * 10_000).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}
