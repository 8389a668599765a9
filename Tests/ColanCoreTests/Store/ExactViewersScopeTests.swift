import ColanCore
import Testing

/// The scope recorded beside a vendor's exact count is read back by every query on a store of
/// responses: what `ExactViewers.scope` writes, `ExactViewers(totals:)` must read as it was.
@Suite struct ExactViewersScopeTests {
    @Test func aRecordedScopeIsReadBackAsWritten() {
        for fixed in [[:], ["channelId": "ch01-sports-hd"], ["channelId": "ch 2", "deviceType": "Smart TV", "country": ""]] as [[String: String]] {
            for (from, to) in [("2024-01-01", "2024-01-07"), (nil, nil)] as [(String?, String?)] {
                let scope = ExactViewers.scope(from: from, to: to, zone: "America/New_York", fixed: fixed)
                let count = ExactViewers(totals: ["aggregatedViewers": "42", ExactViewers.scopeKey: scope])
                #expect(count?.viewers == 42 && count?.zone == "America/New_York" && count?.fixed == fixed, "\(scope)")
                #expect(count?.days == (from == nil ? nil : 19723...19729), "\(scope)")
            }
        }
        // A unique-viewers headline counts as the count; a scope without a zone, or with a dimension
        // but no value, is not one.
        #expect(ExactViewers(totals: ["weeklyUniqueViewers": "7", ExactViewers.scopeKey: "\u{1F}\u{1F}UTC"])?.viewers == 7)
        #expect(ExactViewers(totals: ["aggregatedViewers": "1", ExactViewers.scopeKey: "2024-01-01\u{1F}2024-01-01"]) == nil)
        #expect(ExactViewers(totals: ["aggregatedViewers": "1", ExactViewers.scopeKey: "\u{1F}\u{1F}UTC\u{1F}channelId"]) == nil)
        #expect(ExactViewers(totals: ["aggregatedViewers": "x", ExactViewers.scopeKey: "\u{1F}\u{1F}UTC"]) == nil)
    }
}
