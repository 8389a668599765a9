import ColanCore

/// A calendar date, as days since 1970-01-01: what the vendors' APIs take (`YYYY-MM-DD`).
public struct Day: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public var number: Int

    /// The day `number` days after 1970-01-01.
    public init(_ number: Int) { self.number = number }

    /// The day a `YYYY-MM-DD` text names, or nil.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        number = CivilTime.days(year: y, month: m, day: d)
        guard CivilTime.date(days: number) == (y, m, d) else { return nil }
    }

    /// The local date in `zone` at the UTC instant `seconds`.
    public init(at seconds: Int64, in zone: ZoneOffsets) {
        let local = seconds + zone.offset(atUTC: seconds)
        number = Int(local >= 0 ? local / 86400 : -((-local + 86399) / 86400))
    }

    public var description: String {
        let (y, m, d) = CivilTime.date(days: number)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))"
    }

    /// 0 for Sunday ... 6 for Saturday.
    public var weekday: Int { ((number % 7) + 7 + 4) % 7 }
    /// The day of the month, 1 to 31.
    public var dayOfMonth: Int { CivilTime.date(days: number).day }
    /// The first day of this day's month.
    public var monthStart: Day {
        let (y, m, _) = CivilTime.date(days: number)
        return Day(CivilTime.days(year: y, month: m, day: 1))
    }
    /// The first day of the next month.
    public var nextMonthStart: Day {
        let (y, m, _) = CivilTime.date(days: number)
        return Day(m == 12 ? CivilTime.days(year: y + 1, month: 1, day: 1) : CivilTime.days(year: y, month: m + 1, day: 1))
    }

    /// The day `n` days later (earlier for negative `n`).
    public func adding(_ n: Int) -> Day { Day(number + n) }

    /// UTC midnight of this day, in seconds since 1970.
    public var utcMidnight: Int64 { Int64(number) * 86400 }

    public static func < (a: Day, b: Day) -> Bool { a.number < b.number }

    /// The days `from...to` cut into spans of at most `days` days, in order.
    public static func spans(from: Day, to: Day, days: Int) -> [(Day, Day)] {
        var out: [(Day, Day)] = []
        var start = from
        while start <= to {
            let end = min(to, start.adding(days - 1))
            out.append((start, end))
            start = end.adding(1)
        }
        return out
    }
}
