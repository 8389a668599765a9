import ColanCore
import Foundation

/// Random tests use the library's seeded generator, so every run is reproducible.
typealias SeededRandom = SplitMix64

/// A fresh temporary directory, removed by the caller with `cleanup`.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("colan-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Whether two tables hold the same values: bit-exact floats, equal
/// validity, and equal values wherever a row holds one.
func tablesMatch(_ a: Table, _ b: Table) -> String? {
    guard a.schema == b.schema else { return "schemas differ" }
    guard a.metadata == b.metadata else { return "metadata differs" }
    guard a.rowCount == b.rowCount else { return "row counts \(a.rowCount) and \(b.rowCount)" }
    for (c, (x, y)) in zip(a.columns, b.columns).enumerated() {
        let n = x.count
        let vx = x.validity ?? [Bool](repeating: true, count: n)
        let vy = y.validity ?? [Bool](repeating: true, count: n)
        guard vx == vy else { return "column \(c): validity differs" }
        for i in 0..<n where vx[i] {
            let same: Bool
            switch (x.values, y.values) {
            case (.int64(let p), .int64(let q)): same = p[i] == q[i]
            case (.bool(let p), .bool(let q)): same = p[i] == q[i]
            case (.float64(let p), .float64(let q)): same = p[i].bitPattern == q[i].bitPattern
            case (.string(let p), .string(let q)): same = p[i] == q[i]
            case (.dictionary(let d, let codes), .string(let q)): same = d[Int(codes[i])] == q[i]
            case (.string(let p), .dictionary(let d, let codes)): same = p[i] == d[Int(codes[i])]
            case (.dictionary(let d, let c), .dictionary(let e, let k)): same = d[Int(c[i])] == e[Int(k[i])]
            default: return "column \(c): kinds differ"
            }
            if !same { return "column \(c) row \(i) differs" }
        }
    }
    return nil
}

/// Random tables covering every physical type and null pattern.
enum RandomTables {
    enum NullPattern: CaseIterable { case none, all, some }

    static func make(rows: Int, seed: UInt64, nulls: NullPattern = .some) -> Table {
        var rng = SeededRandom(seed: seed)
        var columns: [ColumnSchema] = []
        var data: [ColumnData] = []
        func validity(_ pattern: NullPattern) -> [Bool]? {
            switch pattern {
            case .none: return nil
            case .all: return [Bool](repeating: false, count: rows)
            case .some: return (0..<rows).map { _ in Int.random(in: 0..<5, using: &rng) != 0 }
            }
        }
        let specials: [Int64] = [.min, .max, 0, -1, 1, .min + 1, .max - 1]
        columns.append(ColumnSchema("time", .timestamp, .time))
        let start = Int64.random(in: 1_500_000_000...1_700_000_000, using: &rng)
        data.append(ColumnData(.int64((0..<rows).map { start + Int64($0 / 7) * 3600 })))
        columns.append(ColumnSchema("wide", .int64, .attribute))
        data.append(ColumnData(.int64((0..<rows).map { _ in
            Int.random(in: 0..<10, using: &rng) == 0 ? specials.randomElement(using: &rng)! : Int64.random(in: .min ... .max, using: &rng)
        }), validity: validity(nulls)))
        columns.append(ColumnSchema("small", .int64, .metric(.additive)))
        data.append(ColumnData(.int64((0..<rows).map { _ in Int64.random(in: -50...5000, using: &rng) }), validity: validity(nulls)))
        columns.append(ColumnSchema("runs", .int64, .metric(.gauge)))
        data.append(ColumnData(.int64((0..<rows).map { Int64($0 / 300) })))
        columns.append(ColumnSchema("ratio", .float64, .metric(.derived)))
        let floatSpecials: [Double] = [.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                       Double(bitPattern: 0x7FF8_0000_0000_1234)]
        data.append(ColumnData(.float64((0..<rows).map { _ in
            Int.random(in: 0..<8, using: &rng) == 0 ? floatSpecials.randomElement(using: &rng)! : Double(Int.random(in: 0...10000, using: &rng)) / 100
        }), validity: validity(nulls)))
        columns.append(ColumnSchema("flag", .bool, .attribute))
        data.append(ColumnData(.bool((0..<rows).map { _ in Bool.random(using: &rng) }), validity: validity(nulls)))
        let devices = ["Roku", "Smart TV", "Mobile Phone", "Desktop", "Tablet", "TV", "Media Player", "Others"]
        columns.append(ColumnSchema("deviceType", .string, .dimension))
        data.append(ColumnData(.string((0..<rows).map { _ in devices.randomElement(using: &rng)! }), validity: validity(nulls)))
        columns.append(ColumnSchema("contentId", .string, .dimension))
        let dictionary = (0..<500).map { "content-\($0)-ü-日本-🎬" }
        data.append(ColumnData(.dictionary(dictionary: dictionary, codes: (0..<rows).map { _ in UInt32.random(in: 0..<500, using: &rng) })))
        columns.append(ColumnSchema("unique", .string, .attribute))
        data.append(ColumnData(.string((0..<rows).map { i in
            i % 97 == 5 ? String(repeating: "long é ", count: 3000) : "id-\(UInt64.random(in: 0...UInt64.max, using: &rng))"
        }), validity: validity(nulls)))
        return Table(schema: Schema(columns), columns: data, metadata: ["reportKind": "viewershipAnalytics", "seed": "\(seed)"])
    }
}

/// Imports texts the way `colan import` does: each written as a file (in a fresh folder
/// beside the store), then one `ImportTransaction` with `options`. Throws the first file's
/// failure; returns the committed import, its files named by their names.
func runImport(_ files: [(name: String, text: String)], into store: String, options: ImportOptions) throws -> ImportOutcome {
    let folder = store + "-incoming-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    for f in files { try f.text.write(toFile: folder + "/" + f.name, atomically: false, encoding: .utf8) }
    var request = ImportTransaction.Request(store: store, paths: files.map { folder + "/" + $0.name })
    request.options = options
    let result = try ImportTransaction.run(request)
    if let failure = result.failures.first { throw failure }
    guard var outcome = result.outcome else { throw ColanError(.importing, "the import was given up") }
    func name(_ path: String) -> String { String(path.split(separator: "/").last ?? "") }
    outcome.alreadyImported = outcome.alreadyImported.map(name)
    outcome.shadowedFiles = outcome.shadowedFiles.map(name)
    return outcome
}

/// `runImport`, returning the store as committed (reopened).
@discardableResult
func importTexts(_ files: [(name: String, text: String)], into store: String, options: ImportOptions = ImportOptions()) throws -> Store {
    try runImport(files, into: store, options: options)
    return try Store(path: store)
}

/// Commits files already parsed to `store` as one import through the store's own import
/// (`StoreImport`, what `ImportTransaction` feeds with the files it parses): for tests of the
/// store and the engine that build their reports in memory.
@discardableResult
func commit(_ files: [IncomingFile], to store: Store) throws -> ImportOutcome {
    let session = try store.beginImport()
    for file in files { try session.add(file) }
    return try session.finish()
}

/// `commit` of reports parsed in memory (`importText`), one file per report.
func commit(_ reports: [ImportedReport], to store: Store) throws {
    try commit(reports.map { IncomingFile(path: $0.file, hash: UUID().uuidString, bytes: 0, reports: [$0]) }, to: store)
}
