import ArgumentParser
import ColanCore
#if canImport(Glibc)
import Glibc
#endif

/// The `colan` command: subcommands over ColanCore.
@main
struct Colan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "colan",
        abstract: "An offline columnar analytics engine for video-streaming report exports.",
        discussion: """
            colan imports saved Amagi Analytics and MediaMelon SmartSight reports (JSON and CSV) \
            into a compressed columnar store and answers rollups over them, recomputing the \
            vendor's derived metrics. See docs/ in the source tree for the file format and metrics.
            """,
        version: ColanVersion.string,
        subcommands: [ImportCommand.self, PullCommand.self, AggCommand.self, ReportCommand.self, ExportCommand.self, InfoCommand.self, CompactCommand.self, VerifyCommand.self,
                      GenCommand.self]
    )

    /// The entry point: `colan agg` with plainly spelled options skips
    /// ArgumentParser (queries are timed as whole processes); everything else,
    /// and every argument error, goes through it. In debug (test) builds,
    /// `COLAN_ARGUMENT_PARSER=1` forces ArgumentParser, so the tests can compare the two.
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        #if DEBUG
        let forced = getenv("COLAN_ARGUMENT_PARSER") != nil
        #else
        let forced = false
        #endif
        if arguments.first == "agg", !forced,
           let options = AggOptions.quickParse(arguments.dropFirst()) {
            do { try options.run() } catch { exit(withError: error) }
            return
        }
        main(nil)
    }
}

/// Runs `body`, turning a `ColanError` into a message on stderr and exit code 1
/// (usage errors: 2), and a `Reported` failure (its messages printed already) into exit code 1.
/// The one place errors become exit codes. (Commands that succeed may `exit(0)` early to skip
/// freeing what they built; that is not an error path.)
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ColanError {
        printError("colan: \(error)")
        throw ExitCode(error.stage == .usage ? 2 : 1)
    } catch is Reported {
        throw ExitCode(1)
    }
}

/// A command's failure whose messages it printed itself (several failed files, verify's differences).
struct Reported: Error {}

/// `--where DIM=VALUE` options as a dimension and the values it may take (several values of one
/// dimension mean any of them).
func parseFilters(_ filters: [String]) throws -> [String: [String]] {
    var out: [String: [String]] = [:]
    for filter in filters {
        let parts = filter.split(separator: "=", maxSplits: 1)
        guard parts.count == 2 else { throw ColanError(.usage, "--where takes DIM=VALUE, not '\(filter)'") }
        out[String(parts[0]), default: []].append(String(parts[1]))
    }
    return out
}

/// Writes a line to stderr.
func printError(_ text: String) {
    var stream = StandardError()
    print(text, to: &stream)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var s = string
        s.withUTF8 { buf in _ = Glibc.write(2, buf.baseAddress, buf.count) }
    }
}

/// Writes bytes to stdout in one go (large results are megabytes).
func writeStdout(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = Glibc.write(1, raw.baseAddress! + offset, raw.count - offset)
            if n <= 0 { return }
            offset += n
        }
    }
}
