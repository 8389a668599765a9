import ColanCatalog

/// What the windows of a big file read so far settled, which later windows are read in
/// (`CSVWindowReader`, `JSONWindowReader`): what a whole read decides from every row.
struct WindowSettlement: Sendable, Equatable {
    /// Each column's kind (a CSV file's header columns; a JSON file's `names`).
    var kinds: [ColumnBuilder.Kind]?
    /// A JSON file's columns, in the order the rows first name them.
    var names: [String]?
    /// The interval (the finest inferred so far: DAILY, then HOURLY, then INSTANT).
    var interval: String?
    /// The zone (a window with local labels makes it the import's zone, not UTC).
    var zone: String?
    /// Whether a JSON response's fields are read before its rows (`JSONWindowReader`): once the
    /// fields after the rows turned out to change how they assemble.
    var fieldsFirst = false

    /// This settlement, the response's fields to be read first.
    var readingFieldsFirst: WindowSettlement {
        var settlement = self
        settlement.fieldsFirst = true
        return settlement
    }

    /// A window needs another settlement than the pieces already handed on were made in:
    /// take them back and read again in `settled`.
    struct Unsettled: Error {
        let settled: WindowSettlement
    }

    /// The interval and zone of a window's report, settled to what every window allows: the report
    /// takes the settled ones when they cover it; returns this settlement widened by it (a finer
    /// interval, a zone where "Z" stamps were settled), equal to it when nothing widened.
    func widened(by report: inout ImportedReport) -> WindowSettlement {
        var wider = self
        if let interval, Self.fineness(report.interval) <= Self.fineness(interval) {
            report.interval = interval
        } else {
            wider.interval = report.interval
        }
        if let zone, zone != "UTC" || report.zone == "UTC" {
            report.zone = zone
        } else {
            wider.zone = report.zone
        }
        return wider
    }

    /// How fine an interval's rows are, as inference decides it: DAILY, HOURLY, INSTANT.
    private static func fineness(_ interval: String) -> Int {
        switch interval {
        case ReportInterval.instant.rawValue: return 2
        case ReportInterval.hourly.rawValue: return 1
        default: return 0
        }
    }
}
