import ColanSupport

/// A time zone's UTC offsets over time, read from the system's TZif files
/// (/usr/share/zoneinfo, Debian's tzdata), without Foundation.
///
/// Offsets are looked up by binary search over transitions, so queries can
/// precompute bucket tables once per zone instead of calling a calendar per row.
/// Years past the file's last transition follow its POSIX TZ rule
/// ("PST8PDT,M3.2.0,M11.1.0"), expanded here up to 2200.
public final class ZoneOffsets: Sendable {
    /// The zone's IANA name, as asked for ("US/Pacific").
    public let name: String
    /// UTC instants where the offset changes, ascending.
    let transitions: [Int64]
    /// offsets[i] is in effect from transitions[i] on; `initialOffset` before the first.
    let offsets: [Int32]
    let initialOffset: Int32

    /// The zone called `name`, read from its file once per process.
    public static func named(_ name: String) throws -> ZoneOffsets {
        if let zone = cache.withLock({ zones[name] }) { return zone }
        let zone = try ZoneOffsets(named: name)
        cache.withLock { zones[name] = zone }
        return zone
    }
    private static let cache = PThreadMutex()
    nonisolated(unsafe) private static var zones: [String: ZoneOffsets] = [:]

    /// Where zone files are read from.
    public static let zoneDirectory = "/usr/share/zoneinfo"

    /// Loads the zone called `name` ("US/Pacific", "US/Eastern", "Universal", "UTC", any IANA name).
    public init(named name: String) throws {
        self.name = name
        if name == "UTC" || name == "Universal" || name == "Etc/UTC" || name == "Z" {
            transitions = []
            offsets = []
            initialOffset = 0
            return
        }
        let valid = !name.isEmpty && !name.hasPrefix("/") && !name.contains("..")
            && name.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 47 || $0 == 95 || $0 == 45 || $0 == 43 }
        guard valid else { throw ColanError(.usage, "'\(name)' is not a time zone name", hint: "use an IANA name such as US/Pacific") }
        let path = Self.zoneDirectory + "/" + name
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path) } catch {
            throw ColanError(.usage, "unknown time zone '\(name)'", hint: "use an IANA name such as US/Pacific, US/Eastern or Universal; is tzdata installed?")
        }
        let parsed = try bytes.withUnsafeBytes { try TZif.parse($0) }
        var transitions = parsed.transitions
        var offsets = parsed.offsets
        if let rule = parsed.rule {
            rule.extend(transitions: &transitions, offsets: &offsets, through: 2200)
        }
        self.transitions = transitions
        self.offsets = offsets
        initialOffset = parsed.initial
    }

    /// The offset from UTC, in seconds, in effect at the UTC instant `t`.
    public func offset(atUTC t: Int64) -> Int64 { offsetSpan(atUTC: t).offset }

    /// The offset at UTC instant `t` and the instant it next changes (`Int64.max` for never):
    /// a walk through increasing instants looks the offset up again only after that.
    public func offsetSpan(atUTC t: Int64) -> (offset: Int64, until: Int64) {
        let span = span(atUTC: t)
        return (span.offset, span.until)
    }

    /// The UTC instants whose local time is `local` (local seconds since the
    /// epoch, as if the local clock were UTC): none in a spring-forward gap,
    /// two in a fall-back fold (earlier first), one otherwise.
    public func instants(forLocal local: Int64) -> [Int64] {
        let (count, first, second) = localInstants(local)
        return Array([first, second].prefix(count))
    }

    /// `instants(forLocal:)` without allocating (importers resolve every label
    /// of every file): how many there are (0-2), and the earlier and later one.
    public func localInstants(_ local: Int64) -> (count: Int, earlier: Int64, later: Int64) {
        // The offsets a day before and after bracket any change near `local`.
        let a = local - offset(atUTC: local - 86_400), b = local - offset(atUTC: local + 86_400)
        let aFits = offset(atUTC: a) == local - a, bFits = b != a && offset(atUTC: b) == local - b
        switch (aFits, bFits) {
        case (true, true): return (2, min(a, b), max(a, b))
        case (true, false): return (1, a, a)
        case (false, true): return (1, b, b)
        case (false, false): return (0, 0, 0)
        }
    }

    /// `localInstants` of local times given one after another, mostly near the one before (a
    /// report's labels): the stretch of UTC instants around the last answer where the offset stays
    /// what it was is kept, and a local time whose instant under that offset lies inside it is
    /// that instant, with no search (four binary searches a label, in a zone with transitions).
    ///
    /// Why that is the only answer: another instant `b` for local time `l` would have another
    /// offset `o'`, and `b = a + (o - o')`; a zone's offsets lie within 16 hours of UTC (local
    /// mean times included), so two differ by less than 32 hours and `b` lies within that of
    /// `a`, inside the stretch, where the offset is `o`, not `o'`. The stretch kept is the
    /// offset's span narrowed by two days at each end.
    public struct LocalResolver {
        private let zone: ZoneOffsets
        private var offset: Int64 = 0
        /// The stretch kept, [from, until); empty before the first answer.
        private var from: Int64 = 1, until: Int64 = 0
        private static let margin: Int64 = 2 * 86_400

        /// A resolver for local times in `zone`.
        public init(_ zone: ZoneOffsets) { self.zone = zone }

        /// `zone.localInstants(local)`.
        public mutating func localInstants(_ local: Int64) -> (count: Int, earlier: Int64, later: Int64) {
            let a = local &- offset
            if a >= from && a < until { return (1, a, a) }
            let answer = zone.localInstants(local)
            if answer.count == 1 {
                let span = zone.span(atUTC: answer.earlier)
                offset = span.offset
                from = span.from == .min ? .min : span.from &+ Self.margin
                until = span.until == .max ? .max : span.until &- Self.margin
            }
            return answer
        }
    }

    /// The offset at UTC instant `t` and the instants it took effect (`Int64.min`: always) and next changes (`Int64.max`: never).
    func span(atUTC t: Int64) -> (offset: Int64, from: Int64, until: Int64) {
        var lo = 0, hi = transitions.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if transitions[mid] <= t { lo = mid + 1 } else { hi = mid }
        }
        return (Int64(lo == 0 ? initialOffset : offsets[lo - 1]), lo == 0 ? .min : transitions[lo - 1],
                lo < transitions.count ? transitions[lo] : .max)
    }

    /// Offset changes within [from, to), as (instant, new offset), for building bucket tables.
    public func changes(from: Int64, to: Int64) -> [(instant: Int64, offset: Int64)] {
        zip(transitions, offsets).filter { $0.0 >= from && $0.0 < to }.map { ($0.0, Int64($0.1)) }
    }
}

/// The TZif file format (RFC 8536): version 1 data is skipped, version 2+
/// 64-bit data is read, and the footer's POSIX TZ string kept.
enum TZif {
    struct Parsed {
        var transitions: [Int64]
        var offsets: [Int32]
        var initial: Int32
        var rule: PosixRule?
    }

    static func parse(_ b: UnsafeRawBufferPointer) throws -> Parsed {
        func bad(_ why: String) -> ColanError { ColanError(.usage, "time zone file is invalid: \(why)") }
        func u32(_ at: Int) throws -> Int {
            guard at + 4 <= b.count else { throw bad("truncated") }
            return Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
        }
        func i64(_ at: Int) throws -> Int64 {
            guard at + 8 <= b.count else { throw bad("truncated") }
            var v: UInt64 = 0
            for i in 0..<8 { v = v << 8 | UInt64(b[at + i]) }
            return Int64(bitPattern: v)
        }
        guard b.count >= 44, b[0] == 84, b[1] == 90, b[2] == 105, b[3] == 102 else { throw bad("no TZif magic") }
        let version = b[4]
        func counts(_ at: Int) throws -> [Int] { try (0..<6).map { try u32(at + 20 + 4 * $0) } }
        var c = try counts(0)
        var at = 44
        var timeSize = 4
        if version >= 50 {  // '2' or later: skip the 32-bit block
            at += c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]
            c = try counts(at)
            at += 44
            timeSize = 8
        }
        let (isut, isstd, leap, timecnt, typecnt, charcnt) = (c[0], c[1], c[2], c[3], c[4], c[5])
        guard typecnt > 0 else { throw bad("no local time types") }
        var transitions: [Int64] = []
        for i in 0..<timecnt {
            transitions.append(timeSize == 8 ? try i64(at + 8 * i) : Int64(Int32(truncatingIfNeeded: try u32(at + 4 * i))))
        }
        at += timecnt * timeSize
        guard at + timecnt <= b.count else { throw bad("truncated") }
        let indices = (0..<timecnt).map { Int(b[at + $0]) }
        at += timecnt
        var types: [(offset: Int32, dst: Bool)] = []
        for i in 0..<typecnt {
            let off = Int32(truncatingIfNeeded: try u32(at + 6 * i))
            guard at + 6 * i + 4 < b.count else { throw bad("truncated") }
            types.append((off, b[at + 6 * i + 4] != 0))
        }
        at += typecnt * 6 + charcnt + leap * (timeSize + 4) + isstd + isut
        guard indices.allSatisfy({ $0 < typecnt }) else { throw bad("transition to a missing type") }
        let initial = types.first(where: { !$0.dst })?.offset ?? types[0].offset
        var rule: PosixRule?
        if timeSize == 8, at < b.count, b[at] == 10 {
            var end = at + 1
            while end < b.count && b[end] != 10 { end += 1 }
            rule = PosixRule(String(decoding: UnsafeRawBufferPointer(rebasing: b[(at + 1)..<end]), as: UTF8.self))
        }
        return Parsed(transitions: transitions, offsets: indices.map { types[$0].offset }, initial: initial, rule: rule)
    }
}
