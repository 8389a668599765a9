@_spi(Benchmarks) import ColanTime

/// The query's time buckets: one table per zone rows are bucketed in (the
/// query's; with --approximate-zone also the zones of daily reports), and
/// the union of their buckets in time order.
struct BucketSet {
    private var tables: [String: BucketTable] = [:]
    private var remaps: [String: [UInt64]] = [:]
    /// Bucket keys in time order (see BucketTable.keys); a bucket's id is its index.
    private(set) var keys: [Int64] = []
    /// Each bucket's label.
    private(set) var labels: [String] = []
    /// Each bucket's days, for daily averages.
    private(set) var days: [Int] = []
    /// Each bucket's first and last local day (see BucketTable.spans).
    private(set) var spans: [ClosedRange<Int64>] = []

    var count: Int { keys.count }

    init(plan: QueryPlan, lo: Int64, hi: Int64) {
        var zones: [String: ZoneOffsets] = [plan.zone.name: plan.zone]
        for s in plan.segments { zones[s.zone.name] = s.zone }
        for (name, zone) in zones {
            tables[name] = BucketTable(zone: zone, interval: plan.query.interval, lo: lo, hi: hi, dateRange: plan.dateRange)
        }
        if zones.count == 1, let only = tables.values.first {
            keys = only.keys
            labels = only.labels
            days = only.days
            spans = only.spans
            return
        }
        // Several zones (approximate): day-based keys are comparable across zones; merge them.
        var byKey: [Int64: (String, Int, ClosedRange<Int64>)] = [:]
        for t in tables.values {
            for (i, k) in t.keys.enumerated() where byKey[k] == nil { byKey[k] = (t.labels[i], t.days[i], t.spans[i]) }
        }
        keys = byKey.keys.sorted()
        labels = keys.map { byKey[$0]?.0 ?? "" }
        days = keys.map { byKey[$0]?.1 ?? 1 }
        spans = keys.map { byKey[$0]?.2 ?? 0...0 }
        let position = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, UInt64($0)) })
        for (name, t) in tables { remaps[name] = t.keys.map { position[$0] ?? 0 } }
    }

    /// The table for a segment's rows.
    func table(for s: SegmentPlan) -> BucketTable {
        guard var t = tables[s.zone.name] else { preconditionFailure("a table exists for every planned zone") }
        t.remap = remaps[s.zone.name]
        return t
    }

    /// The global id of a table's local bucket id.
    func remap(_ table: BucketTable, _ local: UInt64) -> UInt64 { table.remap?[Int(local)] ?? local }
}
