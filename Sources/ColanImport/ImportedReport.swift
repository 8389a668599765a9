import ColanSupport
import ColanColumns
import ColanCatalog
import ColanStore

/// What the user says about the files being imported (the responses do not
/// echo their filters or zone). The import's own mechanics (chunk size, row-kernel switches,
/// legacy hashes, the folder listing) are `package`: set by `ImportTransaction`, and by this
/// package's tests and fuzzer, never by a caller of the library.
public struct ImportOptions: Sendable {
    /// The zone the report's local time labels are in (`--tz`, default US/Pacific).
    public var zone: String = "US/Pacific"
    /// Dimension filters the reports were downloaded with (`--set DIM=VALUE`).
    public var fixed: [String: String] = [:]
    /// A file-name pattern such as "{channelId}_{deviceType}_{startDate}.json" (`--name`).
    public var namePattern: String? {
        didSet { compiledNamePattern = namePattern.map(FileNamePattern.init) }
    }
    /// `namePattern` split into its parts once, not for every file.
    private(set) var compiledNamePattern: FileNamePattern?
    /// The interval when it cannot be read or inferred (`--interval`).
    public var interval: String?
    /// The requested first and last local dates (YYYY-MM-DD), from a saved request URL
    /// (`startDate`, `endDate`) or a file-name pattern: the period a response's distinct count is exact for.
    public var requestedFrom: String?
    /// See `requestedFrom`.
    public var requestedTo: String?
    /// CSV files with at least this many bytes after the header, and no quotes,
    /// are parsed in chunks of half as many bytes on all cores (one file then
    /// still uses every core).
    package var parallelCSVBytes = 16 << 20

    /// CSV files of at least this many bytes are read window by window (`CSVWindowReader`),
    /// each window handed to the store while the next is parsed: the import's memory is then
    /// about three windows' rows and a segment's, whatever the file's size.
    package var windowedCSVBytes = 128 << 20

    /// JSON files of at least this many bytes are read window by window (`JSONWindowReader`): their
    /// rows array is first passed over to read what follows it, which costs about half as much
    /// again as a whole read, so only files whose whole read would near 1 GiB are (a whole read
    /// holds about 1.3 times the file).
    package var windowedJSONBytes = 512 << 20
    /// The bytes of a window of a file read in windows (`windowedCSVBytes`, `windowedJSONBytes`).
    package var csvWindowBytes = 48 << 20

    /// Rows of plain CSV files go through the row kernel (`PlainCSVKernel`);
    /// off, every row takes the general field loop (tests compare the two).
    package var csvRowKernel = true

    /// Rows of JSON reports go through the row kernel (`JSONRowKernel`) where
    /// it can take them; off, every row takes the general loop (tests compare the two).
    package var jsonRowKernel = true

    /// Also compute each file's pre-XXH3 content hash, for a store whose
    /// manifest still records such hashes (`Store.recordsLegacyContentHashes`):
    /// a file imported before is then recognised by either.
    package var legacyContentHashes = false

    /// The folders the files were listed from, with the sidecars seen there:
    /// files in them need no access() call to learn whether they have one.
    package var listing: FolderListing?

    /// Called by a reader once it is done with the file's bytes (a big CSV's chunks parsed,
    /// before they are joined): `ImportJob` gives a mapped file's pages back then.
    package var doneWithBytes: (@Sendable () -> Void)?

    /// Options with the vendor's defaults.
    public init() {}
}

/// One imported report: its metadata (the cuboid it belongs to) and its rows.
public struct ImportedReport: Sendable {
    /// The file it came from.
    public var file: String
    /// The report kind: an Amagi type ("viewershipAnalytics", ...), a channel list
    /// ("viewershipChannels", "adAnalyticsChannels"),
    /// "smartsight" (MediaMelon) or "generic".
    public var kind: String
    /// HOURLY, DAILY, WEEKLY, MONTHLY, INSTANT, or NONE for reports without time.
    public var interval: String
    /// The zone the labels were read in.
    public var zone: String
    /// Dimensions fixed to one value for the whole report (filters).
    public var fixed: [String: String]
    /// The rows: time (UTC) first, then dimensions and metrics.
    public var table: Table
    /// Top-level numbers the vendor reported with the rows (totals, counts).
    public var totals: [String: String]

    /// The specific dimensions of the report's cuboid: fixed ones and dimension columns.
    public var specificDimensions: [String] {
        let columns = table.schema.columns.filter { $0.role == .dimension }.map(\.name)
        return Array(Set(columns).union(fixed.keys)).sorted()
    }
}

extension IncomingFile {
    /// A parsed file as the store takes it: each report with its cuboid (kind, interval, zone,
    /// specific dimensions) and filters; the manifest records the main report's kind and totals
    /// (the last with totals that is not a channel list, else the first; "empty" for none).
    /// `reportsInScanOrder`: every report's rows are in scan order already (`Table.sortIntoScanOrder`).
    public convenience init(path: String, hash: String, legacyHash: String? = nil, bytes: Int, reports: [ImportedReport],
                            reportsInScanOrder: Bool = false) {
        let incoming = reports.map { IncomingReport($0, file: path, inScanOrder: reportsInScanOrder) }
        let main = reports.last { !$0.totals.isEmpty && !Catalog.channelListKinds.contains($0.kind) } ?? reports.first
        self.init(path: path, hash: hash, legacyHash: legacyHash, bytes: bytes, reports: incoming,
                  mainKind: main?.kind ?? "empty", totals: main?.totals ?? [:])
    }
}

extension IncomingReport {
    /// A parsed report as the store takes it: its cuboid (kind, interval, zone, specific
    /// dimensions) and filters. `inScanOrder`: its rows are in scan order already.
    init(_ report: ImportedReport, file: String, inScanOrder: Bool) {
        self.init(kind: report.kind, interval: report.interval, zone: report.zone, dimensions: report.specificDimensions,
                  fixed: report.fixed, table: report.table, file: file, inScanOrder: inScanOrder)
    }
}
