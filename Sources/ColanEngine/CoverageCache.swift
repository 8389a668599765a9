import ColanSupport
@_spi(Benchmarks) import ColanTime
import ColanColumns
import ColanFormat
import ColanStore

/// The per-row cuboid rule for segments that overlap coarser ones: a row is
/// not counted when a coarser row of the same report kind agrees with it on
/// the coarser cuboid's dimensions and covers its time. Only segments whose
/// time range meets a coarser segment's take this path; the rest are plain scans.
struct CoverageCache {
    /// Per coarser segment: the report keys of its rows.
    private var sets: [Int: Set<RowKey>] = [:]
    /// Per (coarser segment, instant): the start of its report bucket holding the instant.
    private var starts: [Int: [Int64: Int64]] = [:]

    /// Clears `keep` for the rows of `task` a coarser row answers for; returns whether any were.
    mutating func hide(task: ScanTask, plan: QueryPlan, times: AlignedBuffer<Int64>, keep: AlignedBuffer<Bool>) throws -> Bool {
        let s = plan.segments[task.plan]
        let n = s.segment.reader.footer.rowGroups[task.rowGroup].rowCount
        var any = false
        for c in s.coarser {
            let coarse = plan.segments[c]
            let dims = coarse.dimensions.sorted()
            if sets[c] == nil { sets[c] = try keys(of: coarse, dims: dims) }
            guard let set = sets[c], !set.isEmpty else { continue }
            let values = try dims.map { try texts(s.segment.reader, $0, task.rowGroup, n) }
            var cache = starts[c] ?? [:]
            for i in 0..<n where keep.pointer[i] {
                let t = times.pointer[i]
                let start: Int64
                if let known = cache[t] { start = known } else {
                    start = Self.bucketStart(t, rank: coarse.rank, zone: coarse.reportZone)
                    cache[t] = start
                }
                if set.contains(Self.key(start, values.map { $0[i] })) {
                    keep.pointer[i] = false
                    any = true
                }
            }
            starts[c] = cache
        }
        return any
    }

    private func keys(of s: SegmentPlan, dims: [String]) throws -> Set<RowKey> {
        let reader = s.segment.reader
        var set = Set<RowKey>()
        guard let t = reader.schema.index(of: "time") else { return set }
        for g in reader.footer.rowGroups.indices {
            let n = reader.footer.rowGroups[g].rowCount
            guard case .int64(let times) = try reader.read(column: t, rowGroup: g).values else { continue }
            let values = try dims.map { try texts(reader, $0, g, n) }
            for i in 0..<n { set.insert(Self.key(times.pointer[i], values.map { $0[i] })) }
        }
        return set
    }

    private func texts(_ reader: SegmentReader, _ column: String, _ rowGroup: Int, _ n: Int) throws -> [String] {
        let vector = try reader.read(column: try QueryExecutor.index(column, reader), rowGroup: rowGroup)
        guard case .string(let d, let codes) = vector.values else { return [String](repeating: "", count: n) }
        return (0..<n).map { vector.isValid($0) ? d[Int(codes.pointer[$0])] : QueryExecutor.nullLabel }
    }

    private static func key(_ time: Int64, _ values: [String]) -> RowKey {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: time.littleEndian) { bytes.append(contentsOf: $0) }
        for v in values { bytes.append(contentsOf: v.utf8); bytes.append(0xFE) }
        return bytes.withUnsafeBytes { let (a, b) = Checksum.xxh64Pair($0, seeds: 1, 2); return RowKey(a: a, b: b) }
    }

    /// The start (UTC) of the report bucket of `rank` in `zone` holding instant `t`.
    static func bucketStart(_ t: Int64, rank: Int, zone: ZoneOffsets) -> Int64 {
        let local = t + zone.offset(atUTC: t)
        func instant(ofLocal l: Int64) -> Int64 {
            for shift in stride(from: Int64(0), through: 7200, by: 900) {
                if let first = zone.instants(forLocal: l + shift).first { return first }
            }
            return l - zone.offset(atUTC: l)
        }
        let day = BucketTable.floorDiv(local, 86400)
        switch rank {
        case 0: return t
        case 1: return t - (local - BucketTable.floorDiv(local, 3600) * 3600)
        case 2: return instant(ofLocal: day * 86400)
        case 3: return instant(ofLocal: (day - ((day + 3) % 7 + 7) % 7) * 86400)
        default:
            let (y, m, _) = CivilTime.date(days: Int(day))
            return instant(ofLocal: Int64(CivilTime.days(year: y, month: m, day: 1)) * 86400)
        }
    }
}
