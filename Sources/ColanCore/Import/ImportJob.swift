import Dispatch

/// One `colan import`: every file parsed (both cores, across files) before
/// anything is written, then all reports committed at once.
public enum ImportJob {
    /// Parses `files` in parallel (both cores); returns them in file order, each parsed or failed.
    public static func parse(_ files: [String], options: ImportOptions,
                             progress: (@Sendable (Int) -> Void)? = nil) -> [Result<ParsedFile, ColanError>] {
        let results = Slots<Result<ParsedFile, ColanError>>(count: files.count)
        let buffers = ReadBuffers()
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            do {
                let parsed = try FileIO.withContents(of: files[i], buffers: buffers) { bytes in
                    // A big file is hashed on a thread of its own while it is parsed (a big CSV's
                    // parse runs on every core, but hashing it is one sequential pass).
                    let hashing = bytes.count >= options.parallelCSVBytes ? HashJob(bytes) : nil
                    defer { hashing?.wait() }
                    var reports = try ReportImporter.importBytes(bytes, path: files[i], options: options)
                    // Sorted here, on both cores, so the store finds segments already in scan order.
                    for r in reports.indices { reports[r].table.sortIntoScanOrder() }
                    let hash = hashing?.result() ?? contentHash(bytes)
                    return ParsedFile(path: files[i], hash: hash, legacyHash: options.legacyContentHashes ? legacyContentHash(bytes) : nil,
                                      bytes: bytes.count, reports: reports, reportsInScanOrder: true)
                }
                results.set(i, .success(parsed))
            } catch let error as ColanError {
                results.set(i, .failure(error.inFile(files[i])))
            } catch {
                results.set(i, .failure(ColanError(.importing, "\(error)", file: files[i])))
            }
            progress?(results.completed)
        }
        return results.values.enumerated().map { i, r in r ?? .failure(ColanError(.importing, "not parsed", file: files[i])) }
    }
}

/// A file's content hash as the manifest records it: "x3-" and XXH3-128 in
/// 32 hex digits, high half first (docs/STORE.md).
func contentHash(_ bytes: UnsafeRawBufferPointer) -> String {
    let (low, high) = Checksum.xxh3x128(bytes)
    return "x3-" + hex16(high) + hex16(low)
}

/// The content hash stores recorded before XXH3: XXH64 with seeds 1 and 2, in hex.
/// Computed only when the target store still lists such hashes
/// (`ImportOptions.legacyContentHashes`), so files imported then are still recognised.
func legacyContentHash(_ bytes: UnsafeRawBufferPointer) -> String {
    let (low, high) = Checksum.xxh64Pair(bytes, seeds: 1, 2)
    return String(low, radix: 16) + "-" + String(high, radix: 16)
}

/// Whether a recorded content hash is the pre-XXH3 kind.
func isLegacyContentHash(_ hash: String) -> Bool { !hash.hasPrefix("x3-") }

/// `value` in 16 lowercase hex digits.
private func hex16(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

/// `contentHash` computed on another thread. The bytes must stay valid until
/// `wait()` or `result()` returns.
private final class HashJob: @unchecked Sendable {
    private let group = DispatchGroup()
    private var hash = ""

    init(_ bytes: UnsafeRawBufferPointer) {
        let content = UncheckedSendable(bytes)
        DispatchQueue.global().async(group: group) { self.hash = contentHash(content.value) }
    }

    func wait() { group.wait() }

    /// The hash, once computed (the group's wait orders the write before this read).
    func result() -> String {
        group.wait()
        return hash
    }
}
