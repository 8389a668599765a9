/// A POSIX TZ rule such as "PST8PDT,M3.2.0,M11.1.0" or "CET-1CEST,M3.5.0,M10.5.0/3",
/// used for years after a zone file's last transition. Only the "Mm.w.d"
/// date form is supported (every zone that observes DST today uses it);
/// other forms keep the last known offset.
struct PosixRule {
    var standard: Int64
    var daylight: Int64
    var start: (month: Int, week: Int, weekday: Int, time: Int64)
    var end: (month: Int, week: Int, weekday: Int, time: Int64)

    init?(_ text: String) {
        var s = Substring(text)
        func name() -> Bool {
            if s.first == "<" {
                guard let close = s.firstIndex(of: ">") else { return false }
                s = s[s.index(after: close)...]
                return true
            }
            let n = s.prefix { $0.isLetter }
            guard n.count >= 3 else { return false }
            s = s.dropFirst(n.count)
            return true
        }
        func time() -> Int64? {
            var sign: Int64 = 1
            if s.first == "-" { sign = -1; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
            var parts: [Int64] = []
            while true {
                let digits = s.prefix { $0.isNumber }
                guard !digits.isEmpty, let v = Int64(digits) else { return nil }
                parts.append(v)
                s = s.dropFirst(digits.count)
                if s.first == ":" && parts.count < 3 { s = s.dropFirst() } else { break }
            }
            while parts.count < 3 { parts.append(0) }
            return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])
        }
        func date() -> (Int, Int, Int, Int64)? {
            guard s.first == "M" else { return nil }
            s = s.dropFirst()
            let fields = s.prefix { $0.isNumber || $0 == "." }.split(separator: ".").compactMap { Int($0) }
            guard fields.count == 3 else { return nil }
            s = s.dropFirst(s.prefix { $0.isNumber || $0 == "." }.count)
            var t: Int64 = 7200
            if s.first == "/" {
                s = s.dropFirst()
                guard let v = time() else { return nil }
                t = v
            }
            return (fields[0], fields[1], fields[2], t)
        }
        guard name(), let std = time() else { return nil }
        guard !s.isEmpty, name() else { return nil }  // no DST: nothing to extend
        var dst = std - 3600
        if s.first != "," {
            guard let v = time() else { return nil }
            dst = v
        }
        guard s.first == "," else { return nil }
        s = s.dropFirst()
        guard let a = date(), s.first == "," else { return nil }
        s = s.dropFirst()
        guard let b = date() else { return nil }
        // POSIX offsets are west-positive; colan's are east-positive.
        standard = -std
        daylight = -dst
        start = a
        end = b
    }

    /// The local day (days since epoch) of the w-th weekday d of month m (w 5 = last).
    private static func day(year: Int, month: Int, week: Int, weekday: Int) -> Int {
        let first = CivilTime.days(year: year, month: month, day: 1)
        let firstWeekday = ((first % 7) + 11) % 7  // 1970-01-01 was a Thursday (4)
        var day = first + (weekday - firstWeekday + 7) % 7 + 7 * (week - 1)
        let nextMonth = month == 12 ? CivilTime.days(year: year + 1, month: 1, day: 1) : CivilTime.days(year: year, month: month + 1, day: 1)
        while day >= nextMonth { day -= 7 }
        return day
    }

    /// Appends this rule's transitions after the last one in the file, through `lastYear`.
    func extend(transitions: inout [Int64], offsets: inout [Int32], through lastYear: Int) {
        let after = transitions.last ?? Int64.min
        let firstYear = after == Int64.min ? 1970 : CivilTime.date(days: Int(after / 86400)).year
        for year in firstYear...lastYear {
            let startLocal = Int64(Self.day(year: year, month: start.month, week: start.week, weekday: start.weekday)) * 86400 + start.time
            let endLocal = Int64(Self.day(year: year, month: end.month, week: end.week, weekday: end.weekday)) * 86400 + end.time
            // The switch to daylight time happens at a standard-time wall clock, and back at a daylight one.
            var pairs = [(startLocal - standard, daylight), (endLocal - daylight, standard)]
            pairs.sort { $0.0 < $1.0 }
            for (instant, offset) in pairs where instant > after {
                transitions.append(instant)
                offsets.append(Int32(offset))
            }
        }
    }
}
