import ArgumentParser
import ColanCore

/// `colan info FILE`: a segment's schema, row groups, encodings and sizes.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a .colan segment file.",
        discussion: """
            Prints the schema (column, type, role), the metadata, one line per \
            column summed over row groups (encodings used, stored and raw bytes, the \
            compression ratio) and one line per row group (rows, bytes, time range); with \
            --row-groups, also every chunk with its encoding and min/max.
            """
    )

    @Argument(help: "A .colan segment file.")
    var file: String

    @Flag(name: .customLong("row-groups"), help: "Also list every row group's chunks with their statistics.")
    var rowGroups = false

    func run() throws {
        try runReportingErrors {
            let reader = try SegmentReader(path: file)
            print(SegmentDescription.render(reader, rowGroups: rowGroups), terminator: "")
        }
    }
}
