import ColanColumns

/// One source file as the store takes it: its content hash and size, and its reports.
/// Import makes them (`IncomingFile(path:hash:legacyHash:bytes:reports:)` from parsed reports)
/// on the parse workers; the store names no parser.
///
/// A class, immutable: the parse workers make one per file and the commit
/// passes them along by reference (copying a struct of this many strings and
/// arrays retained each of them, objects the other core made, for every file
/// of a folder of small responses).
public final class IncomingFile: Sendable {
    /// The file's path.
    public let path: String
    /// Its 128-bit content hash, in hex.
    public let hash: String
    /// Its pre-XXH3 content hash, when asked for (`ImportOptions.legacyContentHashes`).
    public let legacyHash: String?
    /// Its size in bytes.
    public let bytes: Int
    /// Its reports, as segments take them (none for an empty download).
    public let reports: [IncomingReport]
    /// What the manifest records of the file: its main report's kind and totals.
    let summary: (kind: String, totals: [String: String])

    /// A file of `reports`; `mainKind` and `totals` are what the manifest records of it
    /// (its main report's kind, "empty" for none, and the totals the vendor sent with it).
    public init(path: String, hash: String, legacyHash: String? = nil, bytes: Int, reports: [IncomingReport],
                mainKind: String, totals: [String: String]) {
        self.path = path
        self.hash = hash
        self.legacyHash = legacyHash
        self.bytes = bytes
        self.reports = reports
        summary = (mainKind, totals)
    }
}

/// Consecutive files whose rows make one report, as the store takes them at once: responses of
/// one cuboid and filters, each file's rows after the one before it in time (a folder of one
/// response per channel and day, as `ImportJob` reads it). Taken whole (`StoreImport.add(_ run:)`),
/// they come out as the files given one by one would: a source each, the same rows. A run with a
/// file imported before is given as its files instead.
public final class IncomingRun: Sendable {
    /// The files, in order: their paths, hashes, sizes and what the manifest records (no reports).
    public let files: [IncomingFile]
    /// Each file's rows (contiguous in `report`, in file order).
    let rows: [Int]
    /// Every file's rows.
    let report: IncomingReport

    /// The run of `files` whose rows, `rows[k]` of them for file k, are `report`'s in file order
    /// (sorted into scan order here, which keeps each file's rows together); nil unless every file
    /// has rows and times, each file's first time comes after the last time of the one before it
    /// (no row of a file shares a key with another's, so none replaces another), and the rows add up.
    public init?(files: [IncomingFile], rows: [Int], report: IncomingReport) {
        guard files.count == rows.count, !files.isEmpty, rows.allSatisfy({ $0 > 0 }), rows.reduce(0, +) == report.table.rowCount,
              let t = report.table.schema.index(of: "time"), case .int64(let times) = report.table.columns[t].values else { return nil }
        var start = 0, end = Int64.min
        for count in rows {
            let part = times[start..<(start + count)]
            guard let lo = part.min(), lo > end, let hi = part.max() else { return nil }
            end = hi
            start += count
        }
        self.files = files
        self.rows = rows
        var report = report
        report.table.sortIntoScanOrder()
        report.inScanOrder = true
        self.report = report
    }
}

/// What an import changed.
public struct ImportOutcome: Sendable {
    /// Files whose bytes were imported before: nothing changed for them.
    public var alreadyImported: [String] = []
    /// Rows added.
    public var rowsAdded = 0
    /// Earlier rows replaced by rows with the same report key.
    public var rowsReplaced = 0
    /// Bytes of segment files written.
    public var bytesWritten = 0
    /// Segments merged by the automatic compaction, if it ran.
    public var segmentsCompacted = 0
    /// Bytes of the files given to the import (already imported or not).
    public var bytesRead = 0
    /// Files imported (new content).
    public var filesImported = 0
    /// Their reports.
    public var reportsImported = 0
    /// Files of `filesImported` taken in runs of responses joined into one report (`StoreImport.add(_ run:)`).
    public var filesJoined = 0
    /// Files of this import whose rows were wholly replaced by a later file of
    /// the same import: usually reports downloaded with different filters
    /// that were not given (--set, --name, FILE.url), worth a warning.
    public var shadowedFiles: [String] = []
}

/// One report as the store takes it, on its way into a segment: its identity (the cuboid),
/// its rows (time first, in UTC) and the filters it was downloaded with.
public struct IncomingReport: Sendable {
    /// The cuboid, encoded (`Cuboid`).
    var cuboid: String
    var kind: String
    var dims: [String]
    var table: Table
    let file: String?
    /// The manifest id of the file the rows come from (the `_source` column).
    var source: Int64 = 0
    /// For the report of a run of files (`IncomingRun`): each file's manifest id and rows, in row order.
    var sourceRows: [(source: Int64, rows: Int)]?
    /// Whether the table's rows are known to be in scan order (sorted when parsed, not changed since).
    var inScanOrder = false
    /// Whether the report is one piece of a file given in pieces (`StoreImport.addPiece`).
    var isPiece = false
    /// The fixed dimension values (filters) the report was downloaded with, as one string.
    let filters: String
    let lo: Int64?
    let hi: Int64?

    /// A report of `kind` at `interval` in `zone`, broken down by `dimensions` (its dimension
    /// columns and `fixed` ones), from `file`. The table's metadata becomes what the segment
    /// keeps of the report (docs/FORMAT.md): kind, interval, zone, dimensions and filters.
    /// `inScanOrder`: the rows are in scan order already (`Table.sortIntoScanOrder`), so a
    /// segment of this report alone is not checked again, nor one `SegmentBatch` can prove sorted.
    public init(kind: String, interval: String, zone: String, dimensions: [String], fixed: [String: String],
                table: Table, file: String, inScanOrder: Bool = false) {
        var table = table
        var m: [String: String] = Dictionary(minimumCapacity: 4 + fixed.count)
        m["reportKind"] = kind
        m["interval"] = interval
        m["timezone"] = zone
        m["dimensions"] = dimensions.joined(separator: ",")
        for (k, v) in fixed { m["fixed." + k] = v }
        table.metadata = m
        self.init(cuboid: RowKeys.cuboid(kind: kind, interval: interval, zone: zone, dimensions: dimensions),
                  kind: kind, dims: dimensions, table: table, file: file, fixed: fixed)
        self.inScanOrder = inScanOrder
    }

    /// `fixed`: the report's filters (its table's `fixed.` metadata).
    init(cuboid: String, kind: String, dims: [String], table: Table, file: String, fixed: [String: String]) {
        self.cuboid = cuboid
        self.kind = kind
        self.dims = dims
        self.table = table
        self.file = file
        filters = fixed.isEmpty ? "" : fixed.sorted { $0.key < $1.key }.map { "fixed." + $0.key + "=" + $0.value }.joined(separator: "\u{1}")
        var lo: Int64?, hi: Int64?
        if let t = table.schema.index(of: "time"), case .int64(let v) = table.columns[t].values {
            lo = v.min()
            hi = v.max()
        }
        self.lo = lo
        self.hi = hi
    }

    /// Whether the two time ranges meet (a report without times meets everything).
    func overlaps(lo other: Int64?, hi otherHi: Int64?) -> Bool {
        guard let lo, let hi, let other, let otherHi else { return true }
        return lo <= otherHi && other <= hi
    }

}
