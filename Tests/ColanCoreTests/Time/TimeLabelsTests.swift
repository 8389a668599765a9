import ColanCore
import Testing

/// The importers' shortcuts for a report's labels, against the plain answers they stand for:
/// `TimeResolver.Parser` (the last date kept) against `TimeResolver.parse`, and
/// `ZoneOffsets.LocalResolver` (the last offset's stretch kept) against `ZoneOffsets.localInstants`.
@Suite struct TimeLabelsTests {
    /// Labels as reports hold them and as they should not: rising hours across days and months,
    /// the other forms, and invalid ones between them (a date that does not exist, a bad hour,
    /// a cut-off label), some repeated, some sharing a date with a bad one.
    static func labels(seed: UInt64) -> [String] {
        var random = SplitMix(seed: seed)
        var labels: [String] = []
        var day = CivilTime.days(year: 2024, month: 1, day: 28)
        for _ in 0..<400 {
            let date = String(CivilTime.format(Int64(day) * 86400).prefix(10))
            for hour in stride(from: 0, to: 24, by: 1 + Int(random.next() % 5)) {
                let hh = hour < 10 ? "0\(hour)" : "\(hour)"
                switch random.next() % 12 {
                case 0: labels.append(date)
                case 1: labels.append("\(date)T\(hh):15:00Z")
                case 2: labels.append("\(date)T\(hh):00:00+05:30")
                case 3: labels.append("\(date) \(hh):30")
                case 4: labels.append("\(date) \(hh):00:07.250")
                case 5: labels.append("\(date) 25:00:00")
                case 6: labels.append(String(date.prefix(9)))
                case 7: labels.append(String(date.prefix(8)) + "31 \(hh):00:00")  // the 31st of a short month is no date
                case 8: labels.append(labels.last ?? date)
                default: labels.append("\(date) \(hh):00:00")
                }
            }
            day += Int(random.next() % 3)  // some days twice, some skipped
        }
        return labels
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func theParserReadsEveryLabelAsParseDoes(seed: UInt64) {
        var parser = TimeResolver.Parser()
        var checked = 0
        for label in Self.labels(seed: seed) {
            var text = label
            let ours = text.withUTF8 { parser.parse(UnsafeRawBufferPointer($0)) }
            let plain = TimeResolver.parse(label)
            guard ours?.seconds == plain?.seconds, ours?.hasTimeOfDay == plain?.hasTimeOfDay, ours?.isUTC == plain?.isUTC else {
                Issue.record("\(label): \(String(describing: ours)), parse \(String(describing: plain))")
                return
            }
            checked += plain == nil ? 0 : 1
        }
        #expect(checked > 1000)
    }

    /// Zones with ordinary daylight saving, a half-hour one (Lord Howe), one that skipped a whole
    /// day (Apia, 2011-12-30), quarter- and half-hour offsets without changes, and UTC.
    static let zones = ["US/Pacific", "Australia/Lord_Howe", "Pacific/Apia", "Asia/Kathmandu", "America/St_Johns", "UTC"]

    @Test(arguments: zones)
    func theLocalResolverAnswersAsTheZoneDoes(zone name: String) throws {
        let zone = try ZoneOffsets.named(name)
        var resolver = ZoneOffsets.LocalResolver(zone)
        var random = SplitMix(seed: 7)
        var differences = 0
        func check(_ local: Int64) {
            let ours = resolver.localInstants(local)
            let plain = zone.localInstants(local)
            if ours != plain && differences < 5 {
                Issue.record("\(name) \(CivilTime.format(local)): \(ours), localInstants \(plain)")
                differences += 1
            }
        }
        // Rising every 10 minutes through 2011 and 2012 (Apia's skipped day, every change of the
        // others), through every gap and fold; then jumps back and forth.
        var local = Int64(CivilTime.days(year: 2011, month: 1, day: 1)) * 86400
        while local < Int64(CivilTime.days(year: 2013, month: 1, day: 1)) * 86400 {
            check(local)
            local += 600
        }
        for _ in 0..<20_000 {
            check(Int64(CivilTime.days(year: 2011, month: 1, day: 1)) * 86400 + Int64(random.next() % (2 * 366 * 144)) * 600)
        }
        #expect(differences == 0)
    }
}

/// A small seeded generator (SplitMix64): the same labels on every run.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
