import Foundation
import Testing

/// Crash safety of imports, tested with real processes: SIGKILL at many
/// moments, injected write failures, two imports at once, queries during an
/// import. COLAN_KILL_POINTS sets how many kill moments to try (default 6;
/// `make test-crash` runs 40).
@Suite(.serialized) struct StoreCrashTests {
    /// A store holding two days of generated reports, and a folder with the
    /// next six days (same cuboid), which takes a moment to import.
    static func prepare() throws -> (dir: URL, base: String, csv: String) {
        let dir = try CLIPaths.temporary()
        let all = dir.appendingPathComponent("all").path
        let (code, _, err) = try colan(["gen", "--rows", "80000", "--days", "8", "--format", "csv", "--out", all])
        #expect(code == 0, "\(err)")
        let names = try FileManager.default.contentsOfDirectory(atPath: all).sorted()
        let first = dir.appendingPathComponent("first").path, csv = dir.appendingPathComponent("csv").path
        for folder in [first, csv] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        for (i, name) in names.enumerated() {
            try FileManager.default.moveItem(atPath: all + "/" + name, toPath: (i < 2 ? first : csv) + "/" + name)
        }
        let base = dir.appendingPathComponent("base").path
        try colan(["import", "--store", base, "--tz", "UTC", "--quiet", first])
        return (dir, base, csv)
    }

    static func copy(_ from: String, _ to: String) throws {
        try? FileManager.default.removeItem(atPath: to)
        try FileManager.default.copyItem(atPath: from, toPath: to)
    }

    /// The rollup every check compares: totals by deviceType as CSV.
    static func answer(_ store: String) throws -> String {
        let (code, out, err) = try colan(["agg", "--store", store, "--by", "deviceType", "--tz", "UTC", "--format", "csv"])
        #expect(code == 0, "agg failed on \(store): \(err)")
        return out
    }

    static func listedAndPresentAgree(_ store: String) throws -> Bool {
        let manifest = try String(contentsOfFile: store + "/manifest", encoding: .utf8)
        let listed = Set(manifest.split(separator: "\n").filter { $0.hasPrefix("segment\t") }.map { String($0.split(separator: "\t")[1]) })
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: store + "/segments"))
        return listed == present
    }

    /// `oneFile`: the six days joined into one file, read in windows of 200 KB (a debug build's
    /// COLAN_CSV_WINDOW_BYTES), so kills land between its pieces too.
    @Test(arguments: [false, true]) func killedImportsLeaveTheStoreAsItWasOrFullyCommitted(oneFile: Bool) throws {
        var (dir, base, csv) = try Self.prepare()
        defer { try? FileManager.default.removeItem(at: dir) }
        var knobs = ["COLAN_SEGMENT_ROWS": "8000"]
        if oneFile {
            let one = dir.appendingPathComponent("one").path
            try FileManager.default.createDirectory(atPath: one, withIntermediateDirectories: true)
            var joined = ""
            for (i, name) in try FileManager.default.contentsOfDirectory(atPath: csv).sorted().enumerated() {
                let text = try String(contentsOfFile: csv + "/" + name, encoding: .utf8)
                joined += i == 0 ? text : String(text[text.index(after: text.firstIndex(of: "\n")!)...])
            }
            try joined.write(toFile: one + "/history.csv", atomically: true, encoding: .utf8)
            csv = one
            knobs["COLAN_CSV_WINDOW_BYTES"] = "200000"
        }
        let before = try Self.answer(base)
        let full = dir.appendingPathComponent("full").path
        try Self.copy(base, full)
        let start = Date()
        let (code, _, err) = try colan(["import", "--store", full, "--tz", "UTC", "--quiet", csv], environment: knobs)
        #expect(code == 0, "\(err)")
        let duration = Date().timeIntervalSince(start)
        let after = try Self.answer(full)
        #expect(before != after)
        let points = Int(ProcessInfo.processInfo.environment["COLAN_KILL_POINTS"] ?? "") ?? 6
        var sawOld = false, sawNew = false
        for k in 0..<points {
            let store = dir.appendingPathComponent("kill\(k)").path
            try Self.copy(base, store)
            let process = Process()
            process.executableURL = CLIPaths.binary
            process.arguments = ["import", "--store", store, "--tz", "UTC", "--quiet", csv]
            process.currentDirectoryURL = CLIPaths.root
            // Segments of 8,000 rows: the import writes several while it still parses, so kills
            // land between segments written and the commit too.
            process.environment = ProcessInfo.processInfo.environment.merging(knobs) { $1 }
            try process.run()
            // Kill moments spread over the import, a little past its usual end.
            usleep(UInt32(duration * 1.2 * 1_000_000 * Double(k) / Double(max(points - 1, 1))))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let answer = try Self.answer(store)
            #expect(answer == before || answer == after, "kill point \(k): a state that is neither the old nor the new")
            sawOld = sawOld || answer == before
            sawNew = sawNew || answer == after
            // The next import cleans up and completes the work.
            let (c, _, e) = try colan(["import", "--store", store, "--tz", "UTC", "--quiet", csv])
            #expect(c == 0, "re-import after kill point \(k): \(e)")
            #expect(try Self.answer(store) == after, "kill point \(k): re-import did not reach the full state")
            #expect(try Self.listedAndPresentAgree(store), "kill point \(k): unlisted segment files remain")
        }
        #expect(sawOld, "no kill landed before the commit: the kill points do not cover the import")
    }

    /// The release binary reads no test knob: with COLAN_FAULT set it imports as usual.
    @Test func theReleaseBinaryIgnoresInjectedFaults() throws {
        let release = CLIPaths.root.appendingPathComponent(".build/release/colan")
        #expect(FileManager.default.isExecutableFile(atPath: release.path), "run `make test` (it builds the release binary)")
        guard FileManager.default.isExecutableFile(atPath: release.path) else { return }
        let (dir, base, csv) = try Self.prepare()
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = release
        process.arguments = ["import", "--store", base, "--tz", "UTC", "--quiet", csv]
        process.environment = ProcessInfo.processInfo.environment.merging(["COLAN_FAULT": "write:1", "COLAN_SEGMENT_ROWS": "8000"]) { $1 }
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        // Segments of the default size: the knob for 8,000-row segments was not read either.
        let manifest = try String(contentsOfFile: base + "/manifest", encoding: .utf8)
        #expect(manifest.split(separator: "\n").filter { $0.hasPrefix("segment\t") }.count <= 2, "\(manifest)")
    }

    @Test(arguments: ["write:1", "write:2", "fsync:1", "fsync:2", "rename:1"])
    func injectedWriteFailuresLeaveTheStoreUntouched(fault: String) throws {
        let (dir, base, csv) = try Self.prepare()
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try Self.answer(base)
        let manifest = try String(contentsOfFile: base + "/manifest", encoding: .utf8)
        // Segments of 8,000 rows: a failing write can be one of several written while the import still parses.
        let (code, _, err) = try colan(["import", "--store", base, "--tz", "UTC", "--quiet", csv],
                                       environment: ["COLAN_FAULT": fault, "COLAN_SEGMENT_ROWS": "8000"])
        #expect(code == 1)
        #expect(err.contains("(injected)"), "\(err)")
        #expect(try String(contentsOfFile: base + "/manifest", encoding: .utf8) == manifest)
        #expect(try Self.answer(base) == before)
        #expect(try Self.listedAndPresentAgree(base))
        #expect(!FileManager.default.fileExists(atPath: base + "/manifest.tmp"))
    }

    @Test func twoImportsAtOnceBothLandAndQueriesSeeCommittedStates() throws {
        let (dir, base, csv) = try Self.prepare()
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try Self.answer(base)
        let files = try FileManager.default.contentsOfDirectory(atPath: csv).sorted().map { csv + "/" + $0 }
        let half = files.count / 2
        // The committed states the store may pass through: before, either half first, both.
        func state(_ name: String, _ files: [String]) throws -> String {
            let store = dir.appendingPathComponent(name).path
            try Self.copy(base, store)
            try colan(["import", "--store", store, "--tz", "UTC", "--quiet"] + files)
            return try Self.answer(store)
        }
        let after = try state("both", files)
        let onlyA = try state("a", Array(files[..<half])), onlyB = try state("b", Array(files[half...]))
        func start(_ files: [String]) throws -> (Process, Pipe) {
            let p = Process()
            p.executableURL = CLIPaths.binary
            p.arguments = ["import", "--store", base, "--tz", "UTC"] + files
            p.currentDirectoryURL = CLIPaths.root
            let err = Pipe()
            p.standardError = err
            p.standardOutput = Pipe()
            try p.run()
            return (p, err)
        }
        let (a, _) = try start(Array(files[..<half]))
        let (b, _) = try start(Array(files[half...]))
        var answers = Set<String>()
        while a.isRunning || b.isRunning { answers.insert(try Self.answer(base)) }
        a.waitUntilExit()
        b.waitUntilExit()
        #expect(a.terminationStatus == 0 && b.terminationStatus == 0)
        #expect(try Self.answer(base) == after)
        // Every answer seen meanwhile was a committed state.
        #expect(answers.isSubset(of: [before, onlyA, onlyB, after]), "a query saw a state no commit produced")
    }
}
