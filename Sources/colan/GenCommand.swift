import ArgumentParser
import ColanCore
import Dispatch

/// `colan gen`: a deterministic synthetic report history for benchmarks.
struct GenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen",
        abstract: "Generate a synthetic hourly viewership history (for benchmarks).",
        discussion: """
            The rows have the shape of an Amagi viewershipAnalytics breakdown by channelId, \
            country, deviceType, deviceName and contentId, hourly: a diurnal viewing curve, \
            skewed content and country popularity, a plausible device mix, and \
            uniqueViewers <= numberOfSession. The same options always give the same rows.

            --format store writes into the store folder --out (created if missing), one segment \
            per 30 days of history.
            --format segment writes one .colan file at --out.
            --format csv writes one CSV file per day into the folder --out (times in UTC).
            --format json writes one Amagi viewershipAnalytics response per channel and day (hourly rows, \
            UTC) into the folder --out, named CHANNEL_DATE.json: import them with \
            --tz UTC --name '{channelId}_{startDate}.json'.
            """
    )

    @Option(help: "Rows to generate.")
    var rows: Int

    @Option(help: "Output path: a store folder (store), a .colan file (segment) or a folder (csv, json).")
    var out: String

    @Option(help: "Output format: store, segment, csv or json.")
    var format: Format = .segment

    @Option(help: "Random seed; the same seed gives the same data.")
    var seed: UInt64 = 1

    @Option(help: "Days of history, starting 2024-01-01.")
    var days: Int = 365

    @Option(help: "Number of channels.")
    var channels: Int = 40

    @Option(help: "Where segments may use zstd: never, cold (default) or everywhere.")
    var zstd: ZstdPolicy = .cold

    @Option(help: "Rows per row group in segments (a multiple of 256).")
    var rowGroupSize: Int = SegmentLayout.defaultRowGroupSize

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case store, segment, csv, json
    }

    func validate() throws {
        guard rows >= 0 else { throw ValidationError("--rows must be 0 or more") }
        guard days > 0 else { throw ValidationError("--days must be positive") }
        guard channels > 0 else { throw ValidationError("--channels must be positive") }
        guard rowGroupSize > 0, rowGroupSize % 256 == 0 else { throw ValidationError("--row-group-size must be a positive multiple of 256") }
    }

    func run() throws {
        try runReportingErrors {
            let generator = ReportGenerator(GeneratorOptions(rows: rows, seed: seed, days: days, channels: channels))
            switch format {
            case .store:
                let store = try Store(path: out, create: true)
                let hoursPerSegment = 30 * 24
                let ranges = stride(from: 0, to: generator.hourCount, by: hoursPerSegment).map {
                    $0..<min($0 + hoursPerSegment, generator.hourCount)
                }
                // Two segments' rows are generated at once (one per core), then committed,
                // so memory holds two months of rows, not the whole history.
                for start in stride(from: 0, to: ranges.count, by: 2) {
                    let batch = Array(ranges[start..<min(start + 2, ranges.count)])
                    let tables = TableSlots(count: batch.count)
                    DispatchQueue.concurrentPerform(iterations: batch.count) { i in tables.set(i, generator.table(hours: batch[i], scanOrder: true)) }
                    try store.append(tables.values, zstd: zstd)
                }
            case .segment:
                try SegmentWriter.write(generator.table(scanOrder: true).inScanOrder(), to: out, rowGroupSize: rowGroupSize, zstd: zstd)
            case .csv:
                try FileIO.makeDirectory(out)
                let failure = FirstError()
                DispatchQueue.concurrentPerform(iterations: days) { day in
                    let (y, m, d) = CivilTime.date(days: Int(generator.options.start / 86400) + day)
                    let name = "\(out)/viewership_\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d).csv"
                    do { try FileIO.write(generator.csv(day: day), to: name) } catch { failure.record(error) }
                }
                if let error = failure.error { throw error }
            case .json:
                try FileIO.makeDirectory(out)
                let failure = FirstError()
                DispatchQueue.concurrentPerform(iterations: days * channels) { job in
                    let day = job / channels, channel = job % channels
                    let date = CivilTime.format(generator.options.start + Int64(day) * 86400).prefix(10)
                    let name = "\(out)/\(generator.channelIds[channel])_\(date).json"
                    do { try FileIO.write(generator.json(day: day, channel: channel), to: name) } catch { failure.record(error) }
                }
                if let error = failure.error { throw error }
            }
        }
    }
}

extension ZstdPolicy: ExpressibleByArgument {}

/// Tables generated in parallel, one slot each.
final class TableSlots: @unchecked Sendable {
    private var slots: [Table?]
    private let lock = PThreadMutex()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ table: Table) { lock.withLock { slots[i] = table } }
    var values: [Table] { lock.withLock { slots.compactMap { $0 } } }
}
