/// The one error type colan throws: what went wrong, in which stage, in which
/// file and where in it, and (when there is one) how to fix it.
///
/// Every stage (format, import, store, query) reports through this type so the
/// command-line tool turns errors into messages and exit codes in one place.
public struct ColanError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The pipeline stage that raised the error.
    public enum Stage: String, Sendable {
        /// Reading or writing a `.colan` segment file.
        case format
        /// Parsing a vendor export.
        case importing = "import"
        /// The store folder and its manifest.
        case store
        /// Planning or running a query.
        case query
        /// A command-line argument that cannot be used.
        case usage
    }

    /// The stage that raised the error.
    public var stage: Stage
    /// The file the error is about, when there is one.
    public var file: String?
    /// Where in the file: "row group 3, column 'viewershipMinutes'", "line 4, column 7", "byte 812".
    public var location: String?
    /// What went wrong, and what was expected instead.
    public var message: String
    /// How to fix it, when colan can tell.
    public var hint: String?
    /// What a caller may act on, for the errors some caller handles (never decided by the message's words).
    public var reason: Reason?

    /// Errors a caller handles rather than reports.
    public enum Reason: String, Sendable {
        /// The file does not exist (a segment removed by a writer committed since the manifest was read).
        case fileMissing
        /// The store holds no report of the kind that breaks down by a grouped or filtered dimension.
        case noSuchBreakdown
    }

    /// Creates an error; see the properties for what each part means.
    public init(_ stage: Stage, _ message: String, file: String? = nil, location: String? = nil, hint: String? = nil) {
        self.stage = stage
        self.file = file
        self.location = location
        self.message = message
        self.hint = hint
    }

    /// "file: location: message (hint)", the form printed by the CLI.
    public var description: String {
        var parts: [String] = []
        if let file { parts.append(file) }
        if let location { parts.append(location) }
        parts.append(message)
        var text = parts.joined(separator: ": ")
        if let hint { text += " (\(hint))" }
        return text
    }

    /// The same error with a file name attached, unless it already names one.
    public func inFile(_ path: String) -> ColanError {
        var copy = self
        if copy.file == nil { copy.file = path }
        return copy
    }
}
