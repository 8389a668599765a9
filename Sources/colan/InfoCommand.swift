import ArgumentParser
import ColanCore

/// `colan info FILE`: a segment's schema, row groups, encodings and sizes.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a .colan segment file.",
        discussion: """
            Prints the schema (column, type, role), the metadata, then one line per \
            column summed over row groups: encodings used, stored and raw bytes and the \
            compression ratio; with --row-groups, one line per chunk with its min/max.
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
