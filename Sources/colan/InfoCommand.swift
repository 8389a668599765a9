import ArgumentParser
import ColanCore

/// `colan info [FILE]`: the store's summary, or a segment's schema, row groups, encodings and sizes.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe the store, or one .colan segment file.",
        discussion: """
            Without FILE: the store's report kinds and cuboids (interval, zone, dimensions), their \
            segments, rows and time ranges in their zones, and bytes on disk against bytes imported.

            With FILE: the schema (column, type, role), the metadata, one line per \
            column summed over row groups (encodings used, stored and raw bytes, the \
            compression ratio) and one line per row group (rows, bytes, time range); with \
            --row-groups, also every chunk with its encoding and min/max.
            """
    )

    @Argument(help: "A .colan segment file (omit to describe the store).")
    var file: String?

    @Option(help: "The store folder (default: $COLAN_STORE, else ./colan-store).")
    var store: String?

    @Flag(name: .customLong("row-groups"), help: "Also list every row group's chunks with their statistics.")
    var rowGroups = false

    func run() throws {
        try runReportingErrors {
            if let file {
                let reader = try SegmentReader(path: file)
                print(SegmentDescription.render(reader, rowGroups: rowGroups), terminator: "")
            } else {
                print(try Store(path: Store.defaultPath(store)).summary(), terminator: "")
            }
        }
    }
}
