import ColanCore
#if DEBUG
// The window readers and response runs are internal to ColanImport: reached in a debug build (`make fuzz`'s), which is testable.
@testable import ColanImport
@testable import ColanStore
#endif

// A fuzz target for the JSON and CSV scanners (everything `colan import`
// reads goes through ReportImporter.importBytes). Built with libFuzzer by
// `make fuzz` / `make test` (`-sanitize=fuzzer -D COLAN_FUZZ`); built normally
// it replays the files named on its command line, so a crash libFuzzer found
// can be reproduced under a debugger.

/// Imports `bytes` as a JSON file and as a CSV file: any error is fine, a crash is not.
/// Each is read twice, with the row kernels and with the general loops alone: the two
/// must give equal reports, or the same error (a difference stops the fuzzer). Each is also
/// read in windows of 64 bytes, as a big file is (`readInWindows`).
func fuzzOne(_ bytes: UnsafeRawBufferPointer) {
    defer {
        readInWindows(bytes)
        readInARun(bytes)
    }
    var general = ImportOptions()
    general.csvRowKernel = false
    general.jsonRowKernel = false
    for name in ["fuzz.json", "fuzz.csv"] {
        let fast = Result { try ReportImporter.importBytes(bytes, path: name, options: ImportOptions()) }
        let plain = Result { try ReportImporter.importBytes(bytes, path: name, options: general) }
        switch (fast, plain) {
        case (.success(let a), .success(let b)):
            precondition(a.map(\.table) == b.map(\.table) && a.map(\.kind) == b.map(\.kind), "the row kernels read \(name) differently")
        case (.failure(let a), .failure(let b)):
            precondition("\(a)" == "\(b)", "the row kernels fail \(name) differently: \(a) / \(b)")
        default:
            preconditionFailure("\(name): one read failed, the other did not")
        }
    }
}

/// Reads `bytes` as a big JSON file and as a big CSV file are read (`JSONWindowReader`,
/// `CSVWindowReader`), in windows of 64 bytes, read again in a wider settlement as `ImportJob`
/// does: any error is fine, a crash is not. (Debug builds only: a release build reads nothing here.)
func readInWindows(_ bytes: UnsafeRawBufferPointer) {
    #if DEBUG
    for json in [true, false] {
        var settled = WindowSettlement()
        for _ in 0..<8 {
            do {
                if json {
                    _ = try JSONWindowReader.read(bytes, path: "fuzz.json", options: ImportOptions(), windowBytes: 64, settled: settled,
                                                  doneWith: { _ in }, deliver: { _ in })
                } else {
                    _ = try CSVWindowReader.read(bytes, path: "fuzz.csv", options: ImportOptions(), windowBytes: 64, settled: settled,
                                                 doneWith: { _ in }, deliver: { _ in })
                }
                break
            } catch let unsettled as WindowSettlement.Unsettled {
                settled = unsettled.settled
            } catch {
                break
            }
        }
    }
    #endif
}

/// A response a run begins with (`readInARun`): three hourly rows of one channel.
let runStarter = """
    {"dateRange": {"startDate": "2024-03-01", "endDate": "2024-03-01", "interval": "HOURLY"}, "viewershipAnalytics": [
    {"time": "2024-03-01 00:00:00", "uniqueViewers": 5, "numberOfSession": 7, "viewershipMinutes": 30},
    {"time": "2024-03-01 01:00:00", "uniqueViewers": 6, "numberOfSession": 8, "viewershipMinutes": 31},
    {"time": "2024-03-01 02:00:00", "uniqueViewers": 7, "numberOfSession": 9, "viewershipMinutes": 32}], "totalSessions": 24}
    """

/// Reads `bytes` as a response after `runStarter` in a run of responses (`ResponseRun`), as
/// `ImportJob` reads a folder: joined into the run's columns, or taken back out of them when it
/// parts from the run or fails. Any error is fine, a crash is not, and whatever the run makes
/// must be whole reports (every column as long as the rows). (Debug builds only.)
func readInARun(_ bytes: UnsafeRawBufferPointer) {
    #if DEBUG
    let first = Array(runStarter.utf8)
    var none = ResponseRun()
    let starter = Result { try first.withUnsafeBytes { try ReportImporter.importPiece($0, path: "a.json", options: ImportOptions(), joining: &none) } }
    guard case .success(.response(let outline, let options)) = starter else {
        preconditionFailure("the run's first response is not one a run takes: \(starter)")
    }
    var run = ResponseRun(starting: ReadResponse(path: "a.json", hash: "a", legacyHash: nil, bytes: first, options: options, outline: outline))
    for (name, content) in [("fuzz.json", Array(bytes)), ("b.json", first)] {
        let read = content.withUnsafeBytes { try? ReportImporter.importPiece($0, path: name, options: ImportOptions(), joining: &run) }
        if case .joined(let outline, let options)? = read {
            run.append(ReadResponse(path: name, hash: name, legacyHash: nil, bytes: content, options: options, outline: outline))
        }
    }
    for parsed in run.parsed() {
        let reports: [IncomingReport]
        switch parsed {
        case .run(let joined): reports = [joined.report]
        case .file(.success(let file)): reports = file.reports
        case .file(.failure): reports = []
        }
        for report in reports {
            precondition(report.table.columns.allSatisfy { $0.count == report.table.rowCount }, "a run made a report of uneven columns")
        }
    }
    #endif
}

#if COLAN_FUZZ
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOne(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// SwiftPM links an executable's entry point under this name; hand over to libFuzzer's driver.
@_cdecl("ColanFuzz_main")
public func colanFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzerTestOneInput(data, size) }
}
#else
@main
struct ColanFuzzReplay {
    static func main() throws {
        for path in CommandLine.arguments.dropFirst() {
            let bytes = try FileIO.read(path)
            bytes.withUnsafeBytes { fuzzOne($0) }
            print("\(path): no crash")
        }
    }
}
#endif
