import ColanCore
#if DEBUG
// The window readers are internal to ColanImport: reached in a debug build (`make fuzz`'s), which is testable.
@testable import ColanImport
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
    defer { readInWindows(bytes) }
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
