#if canImport(Glibc)
import Glibc
#endif
import ColanSupport
import ColanColumns
import ColanFormat

/// A store: the folder holding a user's whole imported report history.
///
///     STORE/
///       manifest             the committed state (Manifest.swift)
///       lock                 flock'ed by the one writer (import, compact)
///       segments/NAME.colan  immutable segment files
///
/// Every change writes new segment files first, then replaces the manifest
/// atomically (temporary file, fsync, rename, fsync of the folder); files it
/// no longer lists are removed only after that. Readers read the manifest
/// once and map the segments it lists, so they always see one committed state.
/// A writer killed at any moment leaves either the old manifest or the new
/// one; files of an interrupted change are unlisted and the next writer
/// removes them.
public final class Store: @unchecked Sendable {
    /// The store's folder.
    public let path: String
    /// The committed state this object last read or wrote.
    package private(set) var manifest: Manifest

    /// The committed segments.
    public var segments: [SegmentEntry] { manifest.segments }
    /// The imported files.
    public var sources: [SourceEntry] { manifest.sources }

    /// The store folder to use: `--store`, else $COLAN_STORE, else ./colan-store.
    public static func defaultPath(_ option: String?) -> String {
        if let option { return option }
        if let env = getenv("COLAN_STORE"), let s = String(validatingCString: env), !s.isEmpty { return s }
        return "colan-store"
    }

    /// Opens the store at `path`; with `create`, makes it when missing.
    public init(path: String, create: Bool = false) throws {
        self.path = path
        if !FileIO.exists(path + "/manifest") {
            guard create else {
                throw ColanError(.store, "no colan store here (no manifest)", file: path,
                                 hint: "import some reports first: colan import --store \(path) FILES")
            }
            try FileIO.makeDirectory(path + "/segments")
            manifest = Manifest()
            let lock = try StoreLock(store: path, waiting: {})
            // Another process may have created it meanwhile.
            if FileIO.exists(path + "/manifest") {
                manifest = try Self.readManifest(path)
            } else {
                try write(manifest)
            }
            withExtendedLifetime(lock) {}
            return
        }
        manifest = try Self.readManifest(path)
    }

    static func readManifest(_ store: String) throws -> Manifest {
        let file = store + "/manifest"
        return try Manifest.parse(try FileIO.read(file), path: file)
    }

    /// Re-reads the committed manifest (a writer does so once it holds the lock).
    func reload() throws { manifest = try Self.readManifest(path) }

    /// Commits `next` as the new state: temporary file, fsync, rename, fsync of the folder.
    func write(_ next: Manifest, sourceLines: [[UInt8]]? = nil) throws {
        let temporary = path + "/manifest.tmp"
        try FileIO.write(parts: next.serializedParts(sourceLines: sourceLines), to: temporary, sync: true)
        try FileIO.rename(temporary, to: path + "/manifest")
        try FileIO.syncDirectory(path)
        manifest = next
    }

    /// Commits `next`; if that fails before the new manifest is in place, the
    /// old state stands and the files this change wrote are removed. (If the
    /// rename happened and only the folder's fsync failed, the change is
    /// committed and its files stay.)
    /// `sourceLines`: the manifest's source lines, made beforehand (`Manifest.sourceLines`).
    func commitOrRollBack(_ next: Manifest, written: [SegmentEntry], sourceLines: [[UInt8]]? = nil) throws {
        do {
            // The new segments' bytes are durable before the manifest that names them.
            for entry in written { try FileIO.syncFile(segmentPath(entry)) }
            try write(next, sourceLines: sourceLines)
        } catch {
            if (try? Self.readManifest(path)) == next {
                manifest = next
                return
            }
            for entry in written { try? FileIO.remove(segmentPath(entry)) }
            try? FileIO.remove(path + "/manifest.tmp")
            throw error
        }
    }

    /// Takes the writer lock; `waiting` is called when another writer holds it.
    func lock(waiting: () -> Void) throws -> StoreLock {
        let lock = try StoreLock(store: path, waiting: waiting)
        try reload()
        removeUnlistedFiles()
        return lock
    }

    /// Removes segment and temporary files the manifest does not list (left
    /// by an interrupted import). Only a lock holder may call this.
    func removeUnlistedFiles() {
        let listed = Set(manifest.segments.map(\.name))
        for name in FileIO.listDirectory(path + "/segments") where !listed.contains(name) {
            try? FileIO.remove(path + "/segments/" + name)
        }
        try? FileIO.remove(path + "/manifest.tmp")
    }

    /// Removes the store's folder if it holds nothing (no file imported, no
    /// segment) and no writer is running: an import that created the store and
    /// then failed as a whole leaves no empty store behind.
    public func removeIfEmpty() {
        guard let lock = StoreLock.tryLock(store: path) else { return }
        defer { withExtendedLifetime(lock) {} }
        guard (try? reload()) != nil, manifest.sources.isEmpty, manifest.segments.isEmpty else { return }
        removeUnlistedFiles()
        try? FileIO.remove(path + "/manifest")
        try? FileIO.remove(path + "/lock")
        FileIO.removeEmptyDirectory(path + "/segments")
        FileIO.removeEmptyDirectory(path)
    }

    /// The path of a segment file.
    public func segmentPath(_ entry: SegmentEntry) -> String { path + "/segments/" + entry.name }

    /// Writes `table` as a new segment file (not yet committed), its rows in scan order, and returns its entry.
    /// `inScanOrder`: the caller knows the rows are in scan order (no check then).
    func writeSegment(_ table: Table, cuboid: String, kind: String, next: inout Manifest, zstd: ZstdPolicy = .cold,
                      inScanOrder: Bool = false) throws -> (SegmentEntry, Int) {
        let number = next.nextSegment
        next.nextSegment += 1
        let name = String(repeating: "0", count: max(0, 8 - String(number).count)) + "\(number)-\(kind).colan"
        assert(!inScanOrder || table.scanOrder() == nil, "rows said to be in scan order are")
        var table = inScanOrder ? table : table.inScanOrder()
        table.metadata["cuboid"] = cuboid
        let bytes = SegmentWriter.encode(table, zstd: zstd)
        // Made durable by `commitOrRollBack`, before the manifest names it: the disk writes the
        // segment meanwhile, while the next one is encoded.
        try FileIO.write(bytes, to: path + "/segments/" + name, startWriteback: true)
        var lo: Int64?, hi: Int64?
        if let t = table.schema.index(of: "time"), case .int64(let times) = table.columns[t].values {
            // Scan order is by time first: the range is the first and last rows' (no pass over them).
            assert(times.first == times.min() && times.last == times.max(), "rows in scan order")
            lo = times.first
            hi = times.last
        }
        return (SegmentEntry(name: name, rows: table.rowCount, kind: kind, cuboid: cuboid, minTime: lo, maxTime: hi), bytes.count)
    }

    /// Opens the committed segments of `kind` (all kinds when nil) whose time
    /// range meets `range`. A segment removed by a concurrent writer since the
    /// manifest was read means a newer state exists: the manifest is re-read
    /// and the segments opened again.
    public func open(kind: String?, range: Range<Int64>? = nil) throws -> [OpenSegment] {
        var attempt = 0
        while true {
            let wanted = manifest.segments.filter { s in
                guard kind == nil || s.kind == kind else { return false }
                guard let range, let lo = s.minTime, let hi = s.maxTime else { return true }
                return hi >= range.lowerBound && lo < range.upperBound
            }
            do {
                return try wanted.map { OpenSegment(entry: $0, reader: try SegmentReader(path: segmentPath($0))) }
            } catch let error as ColanError where attempt < 3 && error.reason == .fileMissing {
                attempt += 1
                try reload()
            }
        }
    }

    /// Committed segments of `kind` left out of `open(kind:range:)` by their time range.
    public func segmentsOutside(kind: String, range: Range<Int64>?) -> Int {
        guard let range else { return 0 }
        return manifest.segments.filter { s in
            guard s.kind == kind, let lo = s.minTime, let hi = s.maxTime else { return false }
            return hi < range.lowerBound || lo >= range.upperBound
        }.count
    }
}

/// A committed segment, opened: its manifest entry and its reader.
public struct OpenSegment: Sendable {
    /// What the manifest says of it.
    public var entry: SegmentEntry
    /// Its mapped file.
    public var reader: SegmentReader
}
