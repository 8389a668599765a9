#if canImport(Glibc)
import Glibc
#endif

/// A store: the folder holding a user's imported report history.
///
///     STORE/
///       manifest             "colan-store 1", then one line per committed segment:
///                          "segment NAME ROWS KIND"
///       segments/NAME.colan  immutable segment files
///
/// An import writes its new segments first, then replaces the manifest
/// atomically (temporary file, fsync, rename, fsync of the folder), so readers
/// only ever see committed manifests. Segment files that no manifest lists
/// (left by an interrupted import) are ignored and removed by the next import.
public final class Store {
    /// The store's folder.
    public let path: String
    /// The committed segments, in commit order.
    public private(set) var segments: [Entry]

    /// One committed segment.
    public struct Entry: Sendable, Equatable {
        /// File name under segments/.
        public var name: String
        /// Rows in it.
        public var rows: Int
        /// Its report kind.
        public var kind: String
    }

    /// The manifest format version this build writes and reads.
    public static let manifestVersion = 1

    /// The store folder to use: `--store`, else $COLAN_STORE, else ./colan-store.
    public static func defaultPath(_ option: String?) -> String {
        if let option { return option }
        if let env = getenv("COLAN_STORE"), let s = String(validatingCString: env), !s.isEmpty { return s }
        return "colan-store"
    }

    /// Opens the store at `path`; with `create`, makes it when missing.
    public init(path: String, create: Bool = false) throws {
        self.path = path
        let manifest = path + "/manifest"
        if access(manifest, F_OK) != 0 {
            guard create else {
                throw ColanError(.store, "no colan store here (no manifest)", file: path,
                                 hint: "import some reports first: colan import --store \(path) FILES")
            }
            try FileIO.makeDirectory(path + "/segments")
            segments = []
            try writeManifest()
            return
        }
        segments = try Self.readManifest(manifest)
    }

    static func readManifest(_ path: String) throws -> [Entry] {
        let bytes = try FileIO.read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ColanError(.store, "manifest is not UTF-8 text: the store is corrupt", file: path)
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
        guard let header = lines.popFirst(), header.hasPrefix("colan-store ") else {
            throw ColanError(.store, "manifest does not start with 'colan-store VERSION': the store is corrupt", file: path)
        }
        guard let version = Int(header.dropFirst("colan-store ".count)), version >= 1 else {
            throw ColanError(.store, "manifest version '\(header)' is unreadable: the store is corrupt", file: path)
        }
        guard version <= manifestVersion else {
            throw ColanError(.store, "store written in manifest version \(version); this colan reads up to \(manifestVersion)",
                             file: path, hint: "upgrade colan to read it")
        }
        var entries: [Entry] = []
        for (i, line) in lines.enumerated() {
            let parts = line.split(separator: " ")
            guard parts.count == 4, parts[0] == "segment", let rows = Int(parts[2]) else {
                throw ColanError(.store, "manifest line \(i + 2) is not 'segment NAME ROWS KIND': the store is corrupt", file: path)
            }
            entries.append(Entry(name: String(parts[1]), rows: rows, kind: String(parts[3])))
        }
        return entries
    }

    private func writeManifest() throws {
        var text = "colan-store \(Self.manifestVersion)\n"
        for s in segments { text += "segment \(s.name) \(s.rows) \(s.kind)\n" }
        let temporary = path + "/manifest.tmp"
        try FileIO.write(Array(text.utf8), to: temporary, sync: true)
        guard rename(temporary, path + "/manifest") == 0 else {
            throw ColanError(.store, "cannot replace the manifest: \(FileIO.errnoText())", file: path)
        }
        try FileIO.syncDirectory(path)
    }

    /// The path of a segment file.
    public func segmentPath(_ entry: Entry) -> String { path + "/segments/" + entry.name }

    /// Writes one segment per report, then commits them all at once.
    /// - Returns: the bytes written.
    @discardableResult
    public func commit(_ reports: [ImportedReport]) throws -> Int {
        try commit(tables: reports.map { report in
            var table = report.table
            table.metadata = report.segmentMetadata
            return table
        })
    }

    /// Writes one segment per table (whose metadata must name its `reportKind`
    /// and `dimensions`), then commits them all at once.
    /// - Returns: the bytes written.
    @discardableResult
    public func commit(tables: [Table], zstd: ZstdPolicy = .cold) throws -> Int {
        removeUnlistedSegments()
        var next = segments.compactMap { Int($0.name.prefix { $0.isNumber }) }.max().map { $0 + 1 } ?? 1
        var added: [Entry] = []
        var bytes = 0
        for table in tables {
            let kind = table.metadata["reportKind"] ?? "generic"
            let name = String(repeating: "0", count: max(0, 8 - String(next).count)) + "\(next)-\(kind).colan"
            next += 1
            let encoded = SegmentWriter.encode(table, zstd: zstd)
            try FileIO.write(encoded, to: path + "/segments/" + name, sync: true)
            bytes += encoded.count
            added.append(Entry(name: name, rows: table.rowCount, kind: kind))
        }
        guard !added.isEmpty else { return 0 }
        try FileIO.syncDirectory(path + "/segments")
        let before = segments
        segments += added
        do { try writeManifest() } catch {
            segments = before
            for entry in added { unlink(segmentPath(entry)) }
            throw error
        }
        return bytes
    }

    /// Removes segment files no manifest lists (left by an interrupted import).
    func removeUnlistedSegments() {
        let listed = Set(segments.map(\.name))
        for name in FileIO.listDirectory(path + "/segments") where name.hasSuffix(".colan") && !listed.contains(name) {
            unlink(path + "/segments/" + name)
        }
        unlink(path + "/manifest.tmp")
    }

    /// Opens the committed segments of `kind` (all kinds when nil).
    public func open(kind: String?) throws -> [SegmentReader] {
        try segments.filter { kind == nil || $0.kind == kind }.map { try SegmentReader(path: segmentPath($0)) }
    }
}
