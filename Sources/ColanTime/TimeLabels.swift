/// Parses the vendors' time labels. Amagi labels ("2021-09-01 00:00:00",
/// "2021-09-01") are local times in the report's zone (ReportImporter.resolveTimes
/// turns them into instants, across DST); labels with an explicit "Z" or
/// offset are already UTC.
package enum TimeResolver {
    /// A parsed label: local (or UTC) seconds, and whether it had a time of day.
    package struct Label {
        package var seconds: Int64
        package var hasTimeOfDay: Bool
        package var isUTC: Bool
    }

    /// Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]", "YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]"; nil if none matches.
    package static func parse(_ text: String) -> Label? {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// `parse` of a label's UTF-8 bytes (importers keep labels as bytes: no String per label).
    package static func parse(_ b: UnsafeRawBufferPointer) -> Label? {
        guard let day = dateSeconds(b) else { return nil }
        return parse(b, onDay: day)
    }

    /// The digits of `b[at ..< at + n]` as a number, nil unless all are digits within `b`.
    // Inlined: five calls a label, each for a field of two or four digits, were half the parse.
    @inline(__always) private static func digits(_ b: UnsafeRawBufferPointer, _ at: Int, _ n: Int) -> Int? {
        guard at + n <= b.count else { return nil }
        var v = 0
        for i in at..<(at + n) {
            guard b[i] >= 48 && b[i] <= 57 else { return nil }
            v = v * 10 + Int(b[i] - 48)
        }
        return v
    }

    /// The UTC-midnight seconds of the date "YYYY-MM-DD" the label begins with, nil unless it is a real date.
    @inline(__always) private static func dateSeconds(_ b: UnsafeRawBufferPointer) -> Int64? {
        guard b.count >= 10, let y = digits(b, 0, 4), b[4] == 45, let m = digits(b, 5, 2), b[7] == 45, let d = digits(b, 8, 2),
              (1...12).contains(m), d >= 1, d <= daysIn(year: y, month: m) else { return nil }
        return Int64(CivilTime.days(year: y, month: m, day: d)) * 86400
    }

    /// The label whose first ten bytes are a date of `day` seconds (`dateSeconds`): what follows the date.
    @inline(__always) private static func parse(_ b: UnsafeRawBufferPointer, onDay day: Int64) -> Label? {
        if b.count == 10 { return Label(seconds: day, hasTimeOfDay: false, isUTC: false) }
        guard b[10] == 32 || b[10] == 84, let hh = digits(b, 11, 2), b.count >= 16, b[13] == 58, let mm = digits(b, 14, 2),
              hh < 24, mm < 60 else { return nil }
        var at = 16
        var ss = 0
        if at < b.count, b[at] == 58 {
            guard let s = digits(b, at + 1, 2), s < 60 else { return nil }
            ss = s
            at += 3
            if at < b.count, b[at] == 46 {  // fractional seconds are dropped
                at += 1
                while at < b.count, b[at] >= 48, b[at] <= 57 { at += 1 }
            }
        }
        var seconds = day + Int64(hh * 3600 + mm * 60 + ss)
        if at == b.count { return Label(seconds: seconds, hasTimeOfDay: true, isUTC: false) }
        if b[at] == 90, at + 1 == b.count { return Label(seconds: seconds, hasTimeOfDay: true, isUTC: true) }
        if b[at] == 43 || b[at] == 45, let oh = digits(b, at + 1, 2), at + 3 < b.count, b[at + 3] == 58, let om = digits(b, at + 4, 2),
           at + 6 == b.count {
            let offset = Int64(oh * 3600 + om * 60) * (b[at] == 43 ? 1 : -1)
            seconds -= offset
            return Label(seconds: seconds, hasTimeOfDay: true, isUTC: true)
        }
        return nil
    }

    /// `parse` of labels one after another, the last date read kept: a report's labels mostly share
    /// their date with the label before (24 hours a day), whose date is then neither read nor
    /// counted in days again (the date was half the cost of resolving an import's labels).
    package struct Parser {
        /// The last date's ten bytes (as two words) and its seconds; `dateKnown` false before any.
        private var date: (UInt64, UInt16) = (0, 0)
        private var day: Int64 = 0
        private var dateKnown = false

        package init() {}

        /// The label `b` names, as `TimeResolver.parse(b)` reads it.
        package mutating func parse(_ b: UnsafeRawBufferPointer) -> Label? {
            guard b.count >= 10 else { return nil }
            // Bytes 0-7 and 8-9, inside `b` (ten bytes at least, checked above).
            let key = (b.loadUnaligned(as: UInt64.self), b.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
            if !(dateKnown && key == date) {
                guard let seconds = TimeResolver.dateSeconds(b) else { return nil }
                (date, day, dateKnown) = (key, seconds, true)
            }
            return TimeResolver.parse(b, onDay: day)
        }
    }

    /// Days in `month` (1-12) of `year` (proleptic Gregorian): a table and the leap-year rule,
    /// not two day counts (every label of every report is checked).
    package static func daysIn(year: Int, month: Int) -> Int {
        if month == 2 { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28 }
        return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31
    }
}
