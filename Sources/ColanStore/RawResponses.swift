import ColanSupport
import ColanFormat

/// The vendors' responses as fetched, kept in the store by `colan pull` (docs/STORE.md,
/// "Raw responses"): `STORE/raw/VENDOR/.../NAME.zst`, each one zstd frame with its content
/// size and checksum, and `NAME.zst.url` beside it holding the request URL (never a secret:
/// the vendors take tokens and keys as headers). `colan import STORE/raw` reads them as it
/// reads any saved response, so the folder rebuilds the store; `colan verify` checks them.
public struct RawResponses: Sendable {
    /// The folder: `STORE/raw`.
    public let folder: String

    /// The raw responses of the store at `store`.
    public init(store: String) {
        folder = store + "/raw"
    }

    /// Saves a response body, compressed, at `name` under the folder (a relative path whose
    /// last part ends in `.zst`), with `url` beside it (the request URL, then any `NAME=VALUE`
    /// lines the import needs that the URL does not say), each written to a hidden temporary
    /// file, synced and renamed into place: a kill leaves either the earlier file or the new one.
    /// - Returns: the saved file's path.
    public func save(_ body: [UInt8], name: String, url: String) throws -> String {
        precondition(name.hasSuffix(".zst") && !name.hasPrefix("/") && !name.contains(".."), "raw response name \(name)")
        let path = folder + "/" + name
        let parent = String(path[..<path.lastIndex(of: "/")!])
        let base = String(path[path.index(after: path.lastIndex(of: "/")!)...])
        try FileIO.makeDirectory(parent)
        func place(_ bytes: [UInt8], at target: String, named: String) throws {
            let temporary = parent + "/.tmp-" + named
            try FileIO.write(bytes, to: temporary, sync: true)
            try FileIO.rename(temporary, to: target)
        }
        try place(Array((url + "\n").utf8), at: path + ".url", named: base + ".url")
        try place(body.withUnsafeBytes { Zstd.compressFrame($0) }, at: path, named: base)
        try FileIO.syncDirectory(parent)
        return path
    }

    /// Every raw response (not the URL files), sorted; none when the folder does not exist.
    public func files() throws -> [String] {
        guard FileIO.isDirectory(folder) else { return [] }
        return try FileIO.filesUnder(folder)
    }

    /// Removes temporary files a killed pull left behind.
    public func removeLeftovers() {
        guard FileIO.isDirectory(folder) else { return }
        func sweep(_ dir: String) {
            for entry in FileIO.directoryEntries(dir) {
                let path = dir + "/" + entry.name
                if entry.name.hasPrefix(".tmp-") {
                    try? FileIO.remove(path)
                } else if entry.isDirectory ?? FileIO.isDirectory(path) {
                    sweep(path)
                }
            }
        }
        sweep(folder)
    }

    /// The content of a raw response: its bytes expanded, the frame's checksum checked.
    /// - Throws: a `ColanError` naming the file when it cannot be read or is damaged.
    public static func contents(of path: String) throws -> [UInt8] {
        do {
            return try FileIO.withContents(of: path) { bytes in
                try withExpanded(bytes) { Array($0) }
            }
        } catch let error as ColanError {
            throw error.inFile(path)
        }
    }

    /// Calls `body` with `bytes` as they are, or expanded when they are one zstd frame (a raw
    /// response, or any report a user compressed with `zstd`): imports read both alike, and the
    /// content hash is of the expanded bytes.
    public static func withExpanded<T>(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        guard isCompressed(bytes) else { return try body(bytes) }
        let expanded = try Zstd.expandFrame(bytes)
        return try expanded.withUnsafeBytes(body)
    }

    /// Whether `bytes` start as a zstd frame (`withExpanded` expands them).
    public static func isCompressed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 4 && bytes.prefix(4).elementsEqual(Zstd.frameMagic)
    }

    /// The content hash the manifest records for these bytes (already expanded).
    public static func contentHash(of bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { ColanSupport.contentHash($0) }
    }
}

extension Store {
    /// Checks the raw responses `colan pull` kept: each must expand with a matching checksum
    /// and be recorded in the manifest by its content hash (imported, and not changed since).
    func verifyRawResponses(into report: inout VerifyReport) {
        let raw = RawResponses(store: path)
        let files: [String]
        do { files = try raw.files() } catch {
            report.corruptions.append(ColanError(.store, "cannot list the raw responses: \(error)", file: raw.folder))
            return
        }
        let recorded = Set(manifest.sources.map(\.hash))
        for file in files {
            do {
                let content = try RawResponses.contents(of: file)
                report.rawChecked += 1
                if !recorded.contains(RawResponses.contentHash(of: content)) {
                    report.differences.append("\(file): a raw response the store does not record (not imported, or changed since)")
                }
            } catch let error as ColanError {
                report.corruptions.append(error)
            } catch {
                report.corruptions.append(ColanError(.store, "\(error)", file: file))
            }
        }
    }
}
