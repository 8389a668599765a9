import ArgumentParser
import ColanCore

/// `colan compact`: merge small segments into large ones ordered for scanning.
struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Merge the store's small segments into large ones ordered for scanning.",
        discussion: """
            Segments of the same cuboid (report kind, interval, zone, dimensions) smaller than half of \
            \(Store.compactedSegmentRows) rows are merged, in time order, into segments sorted by time and \
            dimension values. Query answers do not change. Import does this by itself when it is cheap \
            (16 or more small segments of one cuboid, 2 million rows at most).
            """
    )

    @Option(help: "The store folder (default: $COLAN_STORE, else ./colan-store).")
    var store: String?

    func run() throws {
        try runReportingErrors {
            let path = Store.defaultPath(store)
            let outcome = try Store(path: path).compact(waiting: { printError("colan: waiting for another import into \(path) to finish") })
            print(outcome.segmentsMerged == 0 ? "nothing to compact"
                  : "merged \(outcome.segmentsMerged) segments into \(outcome.segmentsWritten)")
        }
    }
}

/// `colan verify`: checksums, and the vendor's totals against the rows.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every checksum in the store, and every imported response's rows against its totals.",
        discussion: """
            Exits 0 when every checksum matches and every response's rows add up to its totals \
            block (totalSessions, totalViewershipMinutes; aggregatedViewers for one-row responses); \
            otherwise lists each corruption and difference and exits 1.
            """
    )

    @Option(help: "The store folder (default: $COLAN_STORE, else ./colan-store).")
    var store: String?

    func run() throws {
        try runReportingErrors {
            let report = try Store(path: Store.defaultPath(store)).verify()
            for c in report.corruptions { print("corrupt: \(c)") }
            for d in report.differences { print("differs: \(d)") }
            for n in report.notChecked { print("not checked: \(n)") }
            print("\(report.segmentsChecked) segments checked, \(report.corruptions.count) corrupt; "
                  + "\(report.sourcesChecked) responses with totals checked, \(report.differences.count) differences"
                  + (report.rawChecked > 0 ? "; \(report.rawChecked) raw responses checked" : ""))
            if !report.corruptions.isEmpty || !report.differences.isEmpty { throw Reported() }
        }
    }
}
