import ArgumentParser
import ColanCore
#if canImport(Glibc)
import Glibc
#endif

/// `colan import PATH...`: parse saved exports and commit them to the store.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import saved report exports (JSON, CSV; files and folders) into the store.",
        discussion: """
            The source kind is detected by content: Amagi Analytics v2 JSON responses in the API \
            reference's shape and in the shapes real responses have (contentData, adContentData, \
            uniqueViewerAnalytics with its weekly/daily/monthly headline, a bare array of concurrent \
            users), the Amagi channel list, Amagi v1 CSV downloads, MediaMelon SmartSight JSON, or any \
            JSON array of objects / CSV with a header. A vendor's error saved as a report (a statusCode \
            and message, an HTML page) is refused with its status and message.

            Responses do not say which filters or zone they were downloaded with: give them with \
            --tz and --set, a --name pattern, or a FILE.url beside each file holding the request URL \
            (its query parameters such as channelId=... and timezone=... are read).

            Nothing is committed until every file is parsed; one bad file fails the whole import \
            and leaves the store untouched, unless --keep-going is given.
            """
    )

    @Argument(help: "Files or folders (read recursively).")
    var paths: [String]

    @Option(help: "The store folder (default: $COLAN_STORE, else ./colan-store).")
    var store: String?

    @Option(help: "Time zone of the reports' local time labels.")
    var tz: String = "US/Pacific"

    @Option(name: .customLong("set"), help: ArgumentHelp("A filter the reports were downloaded with, e.g. deviceType=Roku (repeatable).", valueName: "DIM=VALUE"))
    var fixed: [String] = []

    @Option(help: ArgumentHelp("File-name pattern giving filters, e.g. '{channelId}_{deviceType}_{startDate}.json'.", valueName: "PATTERN"))
    var name: String?

    @Option(help: "Interval when it cannot be read or inferred: HOURLY, DAILY, WEEKLY or MONTHLY.")
    var interval: String?

    @Flag(help: "Import the good files even if some fail; list the failures and exit non-zero.")
    var keepGoing = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        try runReportingErrors { try importAll() }
    }

    private func importAll() throws {
        let watch = Stopwatch()
        keepFreedMemory()
        var options = ImportOptions()
        options.zone = tz
        _ = try ZoneOffsets.named(tz)
        options.namePattern = name
        if let interval {
            guard ["HOURLY", "DAILY", "WEEKLY", "MONTHLY"].contains(interval.uppercased()) else {
                throw ColanError(.usage, "--interval must be HOURLY, DAILY, WEEKLY or MONTHLY, not '\(interval)'")
            }
            options.interval = interval.uppercased()
        }
        for pair in fixed {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw ColanError(.usage, "--set takes DIM=VALUE, not '\(pair)'") }
            guard let dim = Catalog.dimension(named: String(parts[0])) else {
                throw ColanError(.usage, "unknown dimension '\(parts[0])'", hint: "known: " + Catalog.dimensionNames.joined(separator: ", "))
            }
            options.fixed[dim] = String(parts[1])
        }
        var request = ImportTransaction.Request(store: Store.defaultPath(store), paths: paths)
        request.options = options
        request.keepGoing = keepGoing
        let storePath = request.store
        let showProgress = !quiet && isatty(2) != 0
        let draw: @Sendable (Int, Int) -> Void = { done, total in Progress.draw(done: done, total: total) }
        let result = try ImportTransaction.run(request, waiting: {
            if !quiet { printError("colan: waiting for another import into \(storePath) to finish") }
        }, progress: showProgress ? draw : nil)
        if showProgress { Progress.clear() }
        let failures = result.failures
        guard let outcome = result.outcome else {
            for f in failures { printError("colan: \(f)") }
            printError("colan: nothing imported: \(failures.count) of \(result.files) files failed (use --keep-going to import the rest)")
            throw Reported()
        }
        let parseSeconds = result.parseSeconds
        if !outcome.shadowedFiles.isEmpty {
            // Not an error: a folder of overlapping re-downloads is imported this way on purpose.
            let shown = outcome.shadowedFiles.sorted().prefix(3).joined(separator: ", ")
            let more = outcome.shadowedFiles.count > 3 ? " and \(outcome.shadowedFiles.count - 3) more" : ""
            printError("colan: warning: every row of \(shown)\(more) was replaced by a later file of this import with the same "
                       + "report keys; if they were downloaded with different filters, give them with --set, --name or FILE.url")
        }
        if !quiet {
            for path in outcome.alreadyImported { print("\(path): already imported, nothing changed") }
            var line = "imported \(outcome.filesImported) files (\(outcome.reportsImported) reports, \(outcome.rowsAdded) rows"
            if outcome.rowsReplaced > 0 { line += ", replacing \(outcome.rowsReplaced) earlier rows" }
            let total = watch.seconds
            line += "): \(outcome.bytesRead) bytes read, \(outcome.bytesWritten) bytes stored in \(storePath), \(formatSeconds(total)) s"
            // Segments are written during the parse; "store" is the commit after the last file was parsed.
            line += " (parse \(formatSeconds(parseSeconds)) s, store \(formatSeconds(total - parseSeconds)) s)"
            if outcome.segmentsCompacted > 0 { line += "; compacted \(outcome.segmentsCompacted) small segments" }
            print(line)
        }
        if !failures.isEmpty {
            for f in failures { printError("colan: \(f)") }
            printError("colan: \(failures.count) of \(result.files) files failed and were not imported")
            throw Reported()
        }
        // Done and committed: exit without freeing the parsed reports one by one (a folder of
        // small JSON responses leaves tens of thousands of small arrays; freeing them costs ~0.06 s).
        Glibc.exit(0)
    }
}

/// Keeps freed memory in the process instead of returning it to the kernel.
/// An import builds and drops arrays of megabytes (parsed columns, sort
/// orders, encoded chunks); glibc serves blocks that large with mmap and
/// unmaps them on free, so every new one is faulted in and zeroed page by
/// page again: about a fifth of the store phase on a 10M-row import.
func keepFreedMemory() {
    #if canImport(Glibc)
    // <malloc.h>'s parameter numbers (not in Swift's Glibc module).
    let trimThreshold: Int32 = -1, topPad: Int32 = -2, mmapThreshold: Int32 = -3
    _ = glibcMallopt(mmapThreshold, 1 << 30)
    _ = glibcMallopt(trimThreshold, Int32.max)
    _ = glibcMallopt(topPad, 64 << 20)
    #endif
}

#if canImport(Glibc)
/// glibc's `int mallopt(int param, int value)`.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

func formatSeconds(_ s: Double) -> String {
    let ms = Int((s * 1000).rounded())
    return "\(ms / 1000).\(String(repeating: "0", count: 3 - String(ms % 1000).count))\(ms % 1000)"
}

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
enum Progress {
    static func draw(done: Int, total: Int, unit: String = "files") {
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        var err = StandardError()
        print("\r[\(bar)] \(done)/\(total) \(unit)", terminator: "", to: &err)
    }

    static func clear() {
        var err = StandardError()
        print("\r" + String(repeating: " ", count: 60) + "\r", terminator: "", to: &err)
    }
}
