import Dispatch

/// One `colan import`: every file parsed (both cores, across files) before
/// anything is written, then all reports committed at once.
public enum ImportJob {
    /// Parses `files` in parallel (both cores); returns them in file order, each parsed or failed.
    public static func parse(_ files: [String], options: ImportOptions,
                             progress: (@Sendable (Int) -> Void)? = nil) -> [Result<ParsedFile, ColanError>] {
        let results = Slots<Result<ParsedFile, ColanError>>(count: files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            do {
                let parsed = try FileIO.withContents(of: files[i]) { bytes in
                    var reports = try ReportImporter.importBytes(bytes, path: files[i], options: options)
                    // Sorted here, on both cores, so the store finds segments already in scan order.
                    for r in reports.indices { reports[r].table = reports[r].table.inScanOrder() }
                    let (low, high) = Checksum.xxh64Pair(bytes, seeds: 1, 2)
                    let hash = String(low, radix: 16) + "-" + String(high, radix: 16)
                    return ParsedFile(path: files[i], hash: hash, bytes: bytes.count, reports: reports)
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
