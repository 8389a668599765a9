/// Calendar arithmetic on the proleptic Gregorian calendar without Foundation
/// (Howard Hinnant's days-from-civil algorithms), used to format and parse
/// "YYYY-MM-DD HH:MM:SS" labels and to walk days and months.
public enum CivilTime {
    /// Days since 1970-01-01 of the civil date y-m-d.
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of `days` since 1970-01-01.
    public static func date(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// "YYYY-MM-DD HH:MM:SS" for `seconds` since the epoch (no zone applied).
    public static func format(_ seconds: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(19)
        append(seconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the "YYYY-MM-DD HH:MM:SS" form of `seconds` to `out` (for writers that build bytes).
    public static func append(_ seconds: Int64, to out: inout [UInt8]) {
        let days = Int(seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400)
        let secs = Int(seconds - Int64(days) * 86400)
        let (y, m, d) = date(days: days)
        func two(_ v: Int) { out.append(UInt8(48 + v / 10)); out.append(UInt8(48 + v % 10)) }
        two(y / 100); two(y % 100)
        out.append(45); two(m); out.append(45); two(d)
        out.append(32); two(secs / 3600); out.append(58); two(secs / 60 % 60); out.append(58); two(secs % 60)
    }
}
