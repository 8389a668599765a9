import ArgumentParser
import ColanCore
#if canImport(Glibc)
import Glibc
#endif

/// `colan report`: one self-contained HTML page of the store's figures.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page of the store's figures (KPIs, trends, top content, coverage).",
        discussion: """
            The page holds inline CSS and SVG only: no script, font or image is fetched, so it opens on an \
            air-gapped laptop and in a mail client that blocks remote content. Every number is a `colan agg` \
            rollup (the same engine); unique viewers that are only a bound are marked as one. Sections appear \
            when the store holds the reports they need: KPI cards with the change against the previous period \
            of the same length, daily minutes stacked by device type (else channel), an hour x weekday map, \
            concurrent users, top content and top countries/devices/channels, the ad funnel, and which days \
            hold data (and which may still be revised).
            """
    )

    @Option(help: "The store folder (default: $COLAN_STORE, else ./colan-store).")
    var store: String?

    @Option(help: ArgumentHelp("First local date shown (default: 27 days before --to).", valueName: "YYYY-MM-DD"))
    var from: String?

    @Option(help: ArgumentHelp("Last local date shown (default: the newest day the store holds).", valueName: "YYYY-MM-DD"))
    var to: String?

    @Option(help: "Time zone of the days and hours.")
    var tz: String = "US/Pacific"

    @Option(name: .customLong("where"), help: ArgumentHelp("Keep rows whose dimension has this value (repeatable).", valueName: "DIM=VALUE"))
    var filters: [String] = []

    @Option(help: "The page's title.")
    var title: String?

    @Option(help: ArgumentHelp("The HTML file to write.", valueName: "FILE.html"))
    var out: String

    func run() throws {
        try runReportingErrors {
            let path = Store.defaultPath(store)
            var request = ReportData.Request(store: path)
            request.from = from
            request.to = to
            request.zone = tz
            request.title = title
            request.filters = try parseFilters(filters)
            let data = try ReportData.gather(request, store: try Store(path: path))
            let page = ReportPage.render(data, now: Int64(time(nil)))
            try FileIO.write(Array(page.utf8), to: out, sync: false)
            print("wrote \(out): \(data.days.count) days, \(sectionCount(data)) sections")
        }
    }

    func sectionCount(_ d: ReportData) -> Int {
        [!d.figures.isEmpty, d.dailyMinutes != nil, d.heatMap != nil, d.concurrency != nil, d.funnel != nil, !d.coverage.isEmpty]
            .filter { $0 }.count + d.rankings.count
    }
}
