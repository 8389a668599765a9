import ColanCore
import Foundation
import Testing

/// colan's own TZif and POSIX-rule reader (Time/ZoneOffsets.swift) against an independent one:
/// Foundation's TimeZone (ICU's zone data), over a spread of zones, including half- and
/// quarter-hour ones, and years inside the system files' transition tables and beyond them
/// (where the POSIX rule in the file's footer decides).
@Suite struct ZoneOffsetsTests {
    static let zones = ["US/Pacific", "US/Eastern", "Europe/London", "Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu",
                        "Australia/Adelaide", "Australia/Sydney", "Pacific/Auckland", "America/St_Johns", "Asia/Tokyo", "UTC"]

    @Test(arguments: zones)
    func offsetsAgreeWithFoundation(zone: String) throws {
        let ours = try ZoneOffsets.named(zone)
        let theirs = try #require(TimeZone(identifier: zone))
        // Every 5 hours and 17 minutes from 1995 to 2060: every transition's neighbourhood is crossed.
        var t: Int64 = 788_918_400  // 1995-01-01
        var checked = 0
        while t < 2_871_763_200 {  // 2061-01-01
            let expected = Int64(theirs.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t))))
            if ours.offset(atUTC: t) != expected {
                Issue.record("\(zone) at \(t) (\(CivilTime.format(t)) UTC): \(ours.offset(atUTC: t)) s, Foundation \(expected) s")
                return
            }
            t += 5 * 3600 + 17 * 60
            checked += 1
        }
        #expect(checked > 100_000)
    }

    @Test func gapsAndFoldsOfLocalTimes() throws {
        let pacific = try ZoneOffsets.named("US/Pacific")
        // 2024-03-10 02:30 does not exist in Pacific time; 2024-11-03 01:30 happens twice.
        let gap = Int64(CivilTime.days(year: 2024, month: 3, day: 10)) * 86400 + 2 * 3600 + 1800
        #expect(pacific.instants(forLocal: gap).isEmpty)
        let fold = Int64(CivilTime.days(year: 2024, month: 11, day: 3)) * 86400 + 3600 + 1800
        let both = pacific.instants(forLocal: fold)
        #expect(both.count == 2 && both[1] - both[0] == 3600)
        #expect(both.map { pacific.offset(atUTC: $0) } == [-7 * 3600, -8 * 3600])
        // Lord Howe's half-hour daylight saving: a 30-minute fold.
        let lordHowe = try ZoneOffsets.named("Australia/Lord_Howe")
        let lhFold = Int64(CivilTime.days(year: 2024, month: 4, day: 7)) * 86400 + 3600 + 45 * 60
        let lh = lordHowe.instants(forLocal: lhFold)
        #expect(lh.count == 2 && lh[1] - lh[0] == 1800)
    }

    @Test func unknownAndUnsafeZoneNamesAreRefused() {
        for name in ["Mars/Olympus", "../etc/passwd", "/etc/localtime", ""] {
            #expect(throws: ColanError.self, "\(name)") { try ZoneOffsets.named(name) }
        }
    }
}
