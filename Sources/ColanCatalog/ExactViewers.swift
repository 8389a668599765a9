import ColanTime

/// A distinct viewer count the vendor reported for a whole requested period and slice
/// (a response's `aggregatedViewers`, a unique-viewers headline): exact where no sum of rows
/// can be. The count stays in the response's totals under the vendor's key; what it is exact
/// for is recorded beside it under `colan.scope` (docs/STORE.md), and `colan agg` uses it for a
/// cell that is exactly that period and slice (docs/METRICS.md).
public struct ExactViewers: Sendable, Equatable {
    /// The totals key of the scope: "FROM␟TO␟ZONE[␟DIM␟VALUE]..." (␟ is U+001F, which the
    /// manifest need not escape and no date, zone or dimension name holds); FROM and TO are the
    /// requested local dates, YYYY-MM-DD, or empty when unknown.
    package static let scopeKey = "colan.scope"
    static let separator: Character = "\u{1F}"

    /// The count.
    public var viewers: Int64
    /// The requested local dates (days since 1970-01-01), when known.
    public var days: ClosedRange<Int64>?
    /// The zone the dates are days of.
    public var zone: String
    /// The slice: dimensions the request was filtered on, and their values.
    public var fixed: [String: String]

    /// The totals key holding a response's exact count: a unique-viewers headline or aggregatedViewers.
    static func countKey(in totals: [String: String]) -> String? {
        if totals["aggregatedViewers"] != nil { return "aggregatedViewers" }
        return Catalog.uniqueViewersHeadlines.first { totals[$0.key] != nil }?.key
    }

    /// The scope to record for a count (see `scopeKey`).
    package static func scope(from: String?, to: String?, zone: String, fixed: [String: String]) -> String {
        // Built as bytes: every response of an import records one (an array of parts joined cost more).
        var out: [UInt8] = []
        out.reserveCapacity(32 + zone.utf8.count)
        out.append(contentsOf: (from ?? "").utf8)
        out.append(0x1F)
        out.append(contentsOf: (to ?? "").utf8)
        out.append(0x1F)
        out.append(contentsOf: zone.utf8)
        for (dim, value) in fixed.sorted(by: { $0.key < $1.key }) {
            out.append(0x1F)
            out.append(contentsOf: dim.utf8)
            out.append(0x1F)
            out.append(contentsOf: value.utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The exact count recorded in a source's totals, if any.
    public init?(totals: [String: String]) {
        guard let scope = totals[Self.scopeKey], let key = Self.countKey(in: totals), let text = totals[key],
              let viewers = Int64(text) else { return nil }
        // By UTF-8 bytes, part by part: a query may read the scope of every response in the store
        // (splitting on a Character walks grapheme clusters; an array of the parts cost an allocation each).
        var zone: String?, dimension: String?
        var fixed: [String: String] = [:]
        var part = 0
        var scopeBytes = scope
        let wellFormed = scopeBytes.withUTF8 { bytes -> Bool in
            var start = 0
            for i in 0...bytes.count where i == bytes.count || bytes[i] == 0x1F {
                if part >= 2 {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                    if part == 2 { zone = text } else if let name = dimension { fixed[name] = text; dimension = nil } else { dimension = text }
                }
                part += 1
                start = i + 1
            }
            return part >= 3 && part % 2 == 1
        }
        guard wellFormed, let zone else { return nil }
        self.viewers = viewers
        self.zone = zone
        days = Self.days(ofScope: scope)
        self.fixed = fixed
    }

    /// The requested dates of a recorded scope, read from its first 21 bytes ("YYYY-MM-DD␟YYYY-MM-DD")
    /// without splitting it: a query may look at the scope of every response in the store.
    package static func days(ofScope scope: String) -> ClosedRange<Int64>? {
        var scope = scope
        return scope.withUTF8 { b -> ClosedRange<Int64>? in
            guard b.count >= 21, b[10] == 0x1F else { return nil }
            let raw = UnsafeRawBufferPointer(b)
            guard let from = TimeResolver.parse(UnsafeRawBufferPointer(rebasing: raw[0..<10])),
                  let to = TimeResolver.parse(UnsafeRawBufferPointer(rebasing: raw[11..<21])), from.seconds <= to.seconds else { return nil }
            return (from.seconds / 86400)...(to.seconds / 86400)
        }
    }
}
