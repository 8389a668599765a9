/// The time buckets of a query: hours, days, weeks (starting Monday) or
/// months of one zone, or the whole range.
public enum BucketInterval: String, Sendable, CaseIterable {
    /// One bucket per local hour (the repeated hour of a fall-back night is two buckets).
    case hour
    /// One bucket per local day (23 or 25 hours across DST).
    case day
    /// One bucket per local week, Monday to Sunday.
    case week
    /// One bucket per local month.
    case month
    /// One bucket for everything.
    case total

    /// This bucket's length rank, comparable with `ReportInterval.rank`.
    package var rank: Int {
        switch self {
        case .hour: 1
        case .day: 2
        case .week: 3
        case .month: 4
        case .total: 5
        }
    }
}

/// Maps UTC instants to bucket ids through a table precomputed once per
/// query, so rows never touch a calendar: every bucket boundary of every zone
/// falls on a multiple of 15 minutes UTC (zone offsets are whole quarter
/// hours), so `table[(t - origin) / 900]` is exact for any instant t.
@_spi(Benchmarks) public struct BucketTable: Sendable {
    /// Seconds per table slot.
    public static let slot: Int64 = 900
    /// The instant of slot 0 (a multiple of `slot`).
    public let origin: Int64
    /// Bucket id of each slot.
    public let ids: [UInt32]
    /// Each bucket's key: UTC start for hours, local day number for days and
    /// weeks, year * 12 + month - 1 for months, 0 for total.
    package let keys: [Int64]
    /// Each bucket's label: its start in the zone, "YYYY-MM-DD HH:MM:SS".
    package let labels: [String]
    /// Each bucket's local days (1 for hours), clipped to the query's date range.
    package let days: [Int]
    /// Each bucket's first and last local day number, clipped to the query's date range
    /// (for total: the range, else the days of `lo...hi`).
    package let spans: [ClosedRange<Int64>]
    /// Local id -> query-wide id, when several zones' tables are merged.
    package var remap: [UInt64]?

    /// Builds the table for instants in `lo...hi` (UTC seconds).
    /// - Parameter dateRange: the query's inclusive local day numbers, if any, for clipping `days`.
    public init(zone: ZoneOffsets, interval: BucketInterval, lo: Int64, hi: Int64, dateRange: ClosedRange<Int64>?) {
        origin = Self.floorDiv(lo, Self.slot) * Self.slot
        let count = Int(Self.floorDiv(hi - origin, Self.slot)) + 1
        var ids = [UInt32](repeating: 0, count: max(count, 0))
        if interval == .total {
            // One bucket: every slot's id is 0, no zone lookup per slot.
            var first = Self.floorDiv(lo + zone.offset(atUTC: lo), 86400)
            var last = Self.floorDiv(hi + zone.offset(atUTC: hi), 86400)
            if let r = dateRange { first = r.lowerBound; last = r.upperBound }
            self.ids = ids
            keys = [0]
            labels = [""]
            days = [Int(max(last - first + 1, 1))]
            spans = [first...max(first, last)]
            return
        }
        var keys: [Int64] = []
        var labels: [String] = []
        var days: [Int] = []
        var spans: [ClosedRange<Int64>] = []
        var index: [Int64: UInt32] = [:]
        // Slots run forward in time: the zone's offset is looked up again only once it changes, and
        // a slot of the previous slot's bucket (most: 96 a day) needs no lookup of its key.
        var span = (offset: Int64(0), until: Int64.min)
        var previous: (key: Int64, id: UInt32)?
        for s in 0..<max(count, 0) {
            let t = origin + Int64(s) * Self.slot
            if t >= span.until { span = zone.offsetSpan(atUTC: t) }
            let offset = span.offset
            let local = t + offset
            let day = Self.floorDiv(local, 86400)
            let key: Int64
            switch interval {
            case .hour:
                // In a zone a whole number of hours from UTC, local hours; in one that is not (+5:30, +5:45),
                // the reports' hours (UTC hours), each labelled by its local start.
                key = offset % 3600 == 0 ? t - (local - Self.floorDiv(local, 3600) * 3600) : Self.floorDiv(t, 3600) * 3600
            case .day: key = day
            case .week: key = day - ((day + 3) % 7 + 7) % 7
            case .month:
                let (y, m, _) = CivilTime.date(days: Int(day))
                key = Int64(y * 12 + m - 1)
            case .total: key = 0
            }
            if let previous, previous.key == key {
                ids[s] = previous.id
                continue
            }
            if let id = index[key] {
                ids[s] = id
                previous = (key, id)
                continue
            }
            let id = UInt32(keys.count)
            index[key] = id
            ids[s] = id
            previous = (key, id)
            keys.append(key)
            var first: Int64, last: Int64  // local day numbers the bucket spans
            switch interval {
            case .hour:
                labels.append(CivilTime.format(key + zone.offset(atUTC: key)))
                first = day; last = day
            case .day:
                labels.append(CivilTime.format(key * 86400))
                first = key; last = key
            case .week:
                labels.append(CivilTime.format(key * 86400))
                first = key; last = key + 6
            case .month:
                let y = Int(key / 12), m = Int(key % 12) + 1
                let start = Int64(CivilTime.days(year: y, month: m, day: 1))
                labels.append(CivilTime.format(start * 86400))
                first = start; last = start + Int64(TimeResolver.daysIn(year: y, month: m)) - 1
            case .total:
                labels.append("")
                first = Self.floorDiv(lo + zone.offset(atUTC: lo), 86400)
                last = Self.floorDiv(hi + zone.offset(atUTC: hi), 86400)
            }
            if let r = dateRange {
                if interval == .total { first = r.lowerBound; last = r.upperBound } else {
                    first = max(first, r.lowerBound); last = min(last, r.upperBound)
                }
            }
            days.append(interval == .hour ? 1 : Int(max(last - first + 1, 1)))
            spans.append(first...max(first, last))
        }
        self.ids = ids
        self.keys = keys
        self.labels = labels
        self.days = days
        self.spans = spans
    }

    /// The bucket id of instant `t` (which must lie in the table's range).
    @inlinable @inline(__always) public func id(_ t: Int64) -> UInt32 { ids[Int((t - origin) / Self.slot)] }

    package static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
}
