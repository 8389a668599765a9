import Dispatch

/// One `colan import`: every file parsed (both cores, across files) before
/// anything is written, then all reports committed at once.
public enum ImportJob {
    /// What an import did.
    public struct Summary: Sendable {
        /// Files read.
        public var files = 0
        /// Rows imported.
        public var rows = 0
        /// Bytes of the files read.
        public var bytesRead = 0
        /// Bytes of segments written.
        public var bytesStored = 0
        /// Files that failed, with their errors (only with keep-going).
        public var failures: [ColanError] = []
    }

    /// Parses `files` in parallel; returns reports in file order and the errors.
    public static func parse(_ files: [String], options: ImportOptions,
                             progress: (@Sendable (Int) -> Void)? = nil) -> (reports: [[ImportedReport]], errors: [ColanError?], bytes: Int) {
        let results = ResultSlots(count: files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            do {
                let reports = try ReportImporter.importFile(files[i], options: options)
                results.set(i, .success(reports))
            } catch let error as ColanError {
                results.set(i, .failure(error.inFile(files[i])))
            } catch {
                results.set(i, .failure(ColanError(.importing, "\(error)", file: files[i])))
            }
            progress?(results.completed)
        }
        var reports: [[ImportedReport]] = []
        var errors: [ColanError?] = []
        for r in results.values {
            switch r {
            case .success(let v): reports.append(v); errors.append(nil)
            case .failure(let e): reports.append([]); errors.append(e)
            case nil: reports.append([]); errors.append(ColanError(.importing, "not parsed"))
            }
        }
        var bytes = 0
        for f in files { bytes += (try? MappedFile(path: f).bytes.count) ?? 0 }
        return (reports, errors, bytes)
    }
}

/// Results of parallel jobs, one slot each.
final class ResultSlots: @unchecked Sendable {
    private(set) var values: [Result<[ImportedReport], ColanError>?]
    private var done = 0
    private let lock = PThreadMutex()
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<[ImportedReport], ColanError>) { lock.withLock { values[i] = r; done += 1 } }
    var completed: Int { lock.withLock { done } }
}
