/// A distinct viewer count the vendor reported for a whole requested period and slice
/// (a response's `aggregatedViewers`, a unique-viewers headline): exact where no sum of rows
/// can be. Recorded beside the response's totals in the store's manifest under the `colan.`
/// keys below (docs/STORE.md), and used by `colan agg` for a cell that is exactly that period
/// and slice (docs/METRICS.md).
public struct ExactViewers: Sendable, Equatable {
    static let countKey = "colan.exactViewers"
    static let fromKey = "colan.from"
    static let toKey = "colan.to"
    static let zoneKey = "colan.zone"
    static let fixedPrefix = "colan.fixed."

    /// The count.
    public var viewers: Int64
    /// The requested local dates (days since 1970-01-01), when known.
    public var days: ClosedRange<Int64>?
    /// The zone the dates are days of.
    public var zone: String
    /// The slice: dimensions the request was filtered on, and their values.
    public var fixed: [String: String]

    /// The exact count recorded in a source's totals, if any.
    public init?(totals: [String: String]) {
        guard let text = totals[Self.countKey], let viewers = Int64(text), let zone = totals[Self.zoneKey] else { return nil }
        self.viewers = viewers
        self.zone = zone
        if let from = totals[Self.fromKey].flatMap(TimeResolver.parse), let to = totals[Self.toKey].flatMap(TimeResolver.parse),
           from.seconds <= to.seconds {
            days = (from.seconds / 86400)...(to.seconds / 86400)
        }
        var fixed: [String: String] = [:]
        for (key, value) in totals where key.hasPrefix(Self.fixedPrefix) { fixed[String(key.dropFirst(Self.fixedPrefix.count))] = value }
        self.fixed = fixed
    }

    /// Whether `key` is one colan records, not the vendor's.
    public static func isRecordedKey(_ key: String) -> Bool { key.hasPrefix("colan.") }
}
