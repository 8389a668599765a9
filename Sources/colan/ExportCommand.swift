import ArgumentParser
import ColanCore

/// `colan export`: the store as Parquet (or CSV) datasets for Spark, Trino, ClickHouse, DuckDB, Polars.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the store as Parquet (or CSV) datasets other engines read, one per report kind and cuboid.",
        discussion: """
            Each dataset is a folder OUT/KIND/CUBOID with Hive partitions (month=YYYY-MM by default) of files \
            part-NNNN.parquet: ZSTD-compressed, dictionary-encoded strings, the time as a UTC timestamp in \
            microseconds. A dataset never mixes cuboids, so summing an additive metric over one gives colan's \
            answer. OUT/_colan.json and OUT/README.txt describe the datasets, how each metric aggregates, and \
            queries for DuckDB, Spark SQL, Trino and ClickHouse. The export is written under a temporary name and \
            replaces an earlier export at OUT in one rename; any other existing OUT is refused. See docs/EXPORT.md.
            """
    )

    @Option(help: "The store folder (default: $COLAN_STORE, else ./colan-store).")
    var store: String?

    @Option(help: "The export's folder.")
    var out: String

    @Option(help: "Only this report kind (default: every kind).")
    var report: String?

    @Option(help: ArgumentHelp("First local date exported (each dataset's own zone).", valueName: "YYYY-MM-DD"))
    var from: String?

    @Option(help: ArgumentHelp("Last local date exported.", valueName: "YYYY-MM-DD"))
    var to: String?

    @Option(help: "Hive partitions: month, day or none.")
    var partition: Exporter.Partition = .month

    @Option(help: "File format: parquet or csv.")
    var format: Exporter.Format = .parquet

    func run() throws {
        try runReportingErrors {
            var options = Exporter.Options(out: out)
            options.report = report
            options.from = from
            options.to = to
            options.partition = partition
            options.format = format
            let outcome = try Exporter.run(options, store: try Store(path: Store.defaultPath(store)))
            print("exported \(outcome.rows) rows in \(outcome.datasets.count) datasets, \(outcome.files) files, \(outcome.bytes) bytes to \(out)")
        }
    }
}

extension Exporter.Partition: ExpressibleByArgument {}
extension Exporter.Format: ExpressibleByArgument {}
