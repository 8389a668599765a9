import Foundation
import Testing

/// Runs the built `colan` executable and returns (exit code, stdout, stderr).
@discardableResult
func colan(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String, String) {
    let process = Process()
    process.executableURL = CLIPaths.binary
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "COLAN_STORE")
    for (k, v) in environment { env[k] = v }
    process.environment = env
    process.currentDirectoryURL = CLIPaths.root
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

enum CLIPaths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let binary = root.appendingPathComponent(".build/debug/colan")
    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    static func temporary() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("colan-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Compares `text` with a snapshot file; COLAN_WRITE_SNAPSHOTS=1 rewrites it.
func expectSnapshot(_ text: String, _ name: String) throws {
    let url = CLIPaths.snapshots.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["COLAN_WRITE_SNAPSHOTS"] == "1" {
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
    #expect(text == (try String(contentsOf: url, encoding: .utf8)), "snapshot \(name)")
}

@Suite(.serialized) struct CLITests {
    @Test func helpListsEveryCommandAndOption() throws {
        let (code, out, _) = try colan(["--help"])
        #expect(code == 0)
        for command in ["import", "pull", "agg", "info", "gen"] { #expect(out.contains(command), "--help lacks \(command)") }
        let expected: [String: [String]] = [
            "import": ["--store", "--tz", "--set", "--name", "--interval", "--keep-going", "--quiet"],
            "agg": ["--store", "--report", "--by", "--tz", "--from", "--to", "--where", "--metrics", "--format", "--explain",
                    "--approximate-zone", "--sort", "--limit", "--share", "--compare"],
            "info": ["--row-groups"],
            "gen": ["--rows", "--out", "--format", "--seed", "--days", "--channels", "--zstd"],
            "pull amagi": ["--store", "--token-file", "--base-url", "--from", "--to", "--lookback", "--channels", "--customer", "--reports",
                           "--interval", "--tz", "--split", "--concurrency", "--dry-run", "--quiet"],
            "pull amagi-scheduled": ["--schedule", "--from", "--to", "--every", "--token-file", "--base-url"],
            "pull mediamelon": ["--customer", "--api-key-file", "--user", "--password-file", "--base-url", "--metrics", "--dimension",
                                "--granularity", "--from", "--to", "--alerts"],
        ]
        for (command, options) in expected {
            let (c, help, _) = try colan(command.split(separator: " ").map(String.init) + ["--help"])
            #expect(c == 0)
            for option in options { #expect(help.contains(option), "\(command) --help lacks \(option)") }
        }
    }

    /// The help a user reads, whole: a change to any command's options or wording shows in review.
    @Test func helpSnapshots() throws {
        var all = ""
        for command in [[], ["import"], ["pull", "amagi"], ["pull", "amagi-scheduled"], ["pull", "mediamelon"], ["agg"], ["report"],
                        ["export"], ["verify"]] {
            let (code, out, _) = try colan(command + ["--help"], environment: ["COLUMNS": "100"])
            #expect(code == 0)
            all += "$ colan \((command + ["--help"]).joined(separator: " "))\n" + out + "\n"
        }
        try expectSnapshot(all, "help.txt")
    }

    @Test func demoImportAndRollupByDeviceType() throws {
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store").path
        let (code, out, err) = try colan(["import", "--store", store, "SampleData"])
        #expect(code == 0, "\(err)")
        #expect(out.hasPrefix("imported 20 files (20 reports, 191 rows)"))
        let (c1, csv, _) = try colan(["agg", "--store", store, "--by", "deviceType", "--format", "csv"])
        #expect(c1 == 0)
        try expectSnapshot(csv, "agg-by-deviceType.csv")
        let (c2, total, _) = try colan(["agg", "--format", "json"], environment: ["COLAN_STORE": store])
        #expect(c2 == 0)
        try expectSnapshot(total, "agg-total.json")
        // A real ad response among the samples answers its own totals block (27, 15, 14, 17, 13, 76.47).
        let (c3, ad, _) = try colan(["agg", "--store", store, "--report", "adAnalytics", "--where", "channelId=star122-flix-hd",
                                     "--from", "2021-10-19", "--to", "2021-10-20", "--format", "csv"])
        #expect(c3 == 0)
        #expect(ad.hasSuffix("\n27,15,14,17,13,76.47\n"), "\(ad)")
        let (c4, verify, _) = try colan(["verify", "--store", store])
        #expect(c4 == 0)
        #expect(verify.contains(" 0 differences"), "\(verify)")
    }

    @Test func reportWritesOnePageWhoseNumbersAreAggs() throws {
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store").path
        #expect(try colan(["import", "--store", store, "SampleData"]).0 == 0)
        let page = dir.appendingPathComponent("week.html").path
        let range = ["--from", "2021-08-30", "--to", "2021-10-21"]
        let (code, out, err) = try colan(["report", "--store", store, "--out", page, "--title", "Partners & friends"] + range)
        #expect(code == 0, "\(err)")
        #expect(out.hasPrefix("wrote \(page): 53 days"))
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("<title>Partners &amp; friends</title>"))
        // The cards' numbers are agg's, with thousands separators.
        let (_, csv, _) = try colan(["agg", "--store", store, "--metrics", "totalSessions,totalViewershipMinutes", "--format", "csv"] + range)
        let values = csv.split(separator: "\n")[1].split(separator: ",").compactMap { Int($0) }
        for (metric, value) in zip(["totalSessions", "totalViewershipMinutes"], values) {
            let digits = Array(String(value))
            let grouped = digits.indices.map { i in (i > 0 && (digits.count - i) % 3 == 0 ? "," : "") + String(digits[i]) }.joined()
            let found = html.contains("data-metric=\"\(metric)\">\(grouped)<")
            #expect(found, "\(metric) \(grouped)")
        }
        // A filter no report can take is an empty page, not a crash.
        #expect(try colan(["report", "--store", store, "--out", page, "--where", "country=Nowhere"] + range).0 == 0)
    }

    /// A folder of responses imports within a small limit on open files (`ulimit -n 40`): the files
    /// the import holds open (each chunk's, opened as it is handed out) stay within it, and the store
    /// answers as one imported without the limit.
    @Test func aFolderImportsWithinASmallLimitOnOpenFiles() throws {
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("json").path
        var (code, _, err) = try colan(["gen", "--rows", "7200", "--days", "100", "--channels", "3", "--format", "json", "--out", json])
        #expect(code == 0, "\(err)")
        let name = ["--tz", "UTC", "--name", "{channelId}_{startDate}.json", "--quiet"]
        let limited = dir.appendingPathComponent("limited").path, free = dir.appendingPathComponent("free").path
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "ulimit -n 40 && exec \"$0\" \"$@\"", CLIPaths.binary.path, "import", "--store", limited] + name + [json]
        let errors = Pipe()
        shell.standardError = errors
        try shell.run()
        err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 0, "\(err)")
        (code, _, err) = try colan(["import", "--store", free] + name + [json])
        #expect(code == 0, "\(err)")
        let agg = ["agg", "--by", "channelId", "--tz", "UTC", "--format", "csv", "--store"]
        let (limitedAnswer, freeAnswer) = (try colan(agg + [limited]), try colan(agg + [free]))
        #expect(limitedAnswer.0 == 0 && limitedAnswer.1 == freeAnswer.1 && freeAnswer.1.split(separator: "\n").count == 4, "\(limitedAnswer.2)")
    }

    @Test func aSavedVendorErrorIsRefusedNamingFileStatusAndMessage() throws {
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("viewership-2021-10-12.json")
        try #"{"statusCode":422,"error":"Unprocessable Entity","message":"customer_id or channel_id should be sent in query"}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let store = dir.appendingPathComponent("store").path
        let (code, _, err) = try colan(["import", "--store", store, file.path])
        #expect(code != 0)
        for part in [file.path, "status 422", "Unprocessable Entity", "customer_id or channel_id should be sent in query"] {
            #expect(err.contains(part), "\(err)")
        }
        #expect(!FileManager.default.fileExists(atPath: store))
    }

    @Test func badFileFailsTheImportAndLeavesTheStoreUntouched() throws {
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store").path
        try colan(["import", "--store", store, "SampleData/amagi-viewership-daily.json"])
        let manifest = try String(contentsOfFile: store + "/manifest", encoding: .utf8)
        let bad = dir.appendingPathComponent("bad.csv")
        try "time,numberOfSession\n2021-09-02,4\n2021-09-03,x\n".write(to: bad, atomically: true, encoding: .utf8)
        let (code, _, err) = try colan(["import", "--store", store, "SampleData/amagi-v1-hourly-by-device.csv", bad.path])
        #expect(code == 1)
        #expect(err.contains("bad.csv: line 3, column 2 ('numberOfSession'): a string \"x\" where a number belongs"))
        #expect(err.contains("nothing imported"))
        #expect(try String(contentsOfFile: store + "/manifest", encoding: .utf8) == manifest)
        // With --keep-going the good file lands and the exit code still says something failed.
        let (code2, _, err2) = try colan(["import", "--store", store, "--keep-going", "--quiet", "SampleData/amagi-v1-hourly-by-device.csv", bad.path])
        #expect(code2 == 1)
        #expect(err2.contains("1 of 2 files failed"))
        #expect(try String(contentsOfFile: store + "/manifest", encoding: .utf8) != manifest)
    }

    /// The writer lock is taken before parsing, so a first import creates its store first; if the
    /// import then fails, that store is not left behind empty.
    @Test func aFailedFirstImportLeavesNoStoreBehind() throws {
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("new-store").path
        let bad = dir.appendingPathComponent("bad.csv")
        try "time,numberOfSession\n2021-09-02,x\n".write(to: bad, atomically: true, encoding: .utf8)
        let (code, _, err) = try colan(["import", "--store", store, "SampleData/amagi-v1-hourly-by-device.csv", bad.path])
        #expect(code == 1)
        #expect(err.contains("nothing imported"))
        #expect(!FileManager.default.fileExists(atPath: store))
    }

    /// The golden version-1 store lists its files by the content hash colan recorded before XXH3:
    /// importing one of them again is still "already imported".
    @Test func aFileInAnOlderStoreIsRecognisedWhenImportedAgain() throws {
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store").path
        try FileManager.default.copyItem(atPath: CLIPaths.root.appendingPathComponent("Tests/ColanCoreTests/Golden/store-v1").path, toPath: store)
        let (code, out, _) = try colan(["import", "--store", store, "SampleData/amagi-viewership-daily.json"])
        #expect(code == 0)
        #expect(out.contains("SampleData/amagi-viewership-daily.json: already imported, nothing changed"))
    }

    @Test func infoDescribesTheGoldenSegment() throws {
        let (code, out, _) = try colan(["info", "Tests/ColanCoreTests/Golden/v1-sample.colan"])
        #expect(code == 0)
        try expectSnapshot(out, "info-v1-sample.txt")
    }

    @Test func corruptSegmentIsReportedNotRead() throws {
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        var bytes = try Data(contentsOf: CLIPaths.root.appendingPathComponent("Tests/ColanCoreTests/Golden/v1-sample.colan"))
        bytes.removeLast(10)
        let path = dir.appendingPathComponent("cut.colan").path
        try bytes.write(to: URL(fileURLWithPath: path))
        let (code, _, err) = try colan(["info", path])
        #expect(code == 1)
        #expect(err == "colan: \(path): the trailer magic is missing: the file is truncated or corrupt\n")
    }

    @Test func unknownDimensionSuggestsTheClosest() throws {
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store").path
        try colan(["import", "--store", store, "SampleData"])
        let (code, _, err) = try colan(["agg", "--store", store, "--by", "devicetype"])
        #expect(code == 1)
        #expect(err.contains("unknown dimension 'devicetype' for viewershipAnalytics (did you mean 'deviceType'?"))
    }

    @Test func aggAnswersTheSameThroughEitherArgumentParser() throws {
        let dir = try CLIPaths.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store").path
        try colan(["import", "--store", store, "SampleData"])
        let cases: [[String]] = [
            ["--by", "deviceType", "--format", "csv"],
            ["--by=deviceType,channelId", "--interval", "day", "--tz=US/Eastern", "--format", "json", "--explain"],
            ["--where", "deviceType=Roku", "--where=deviceType=Smart TV", "--metrics", "totalSessions", "--from", "2021-09-01"],
            ["--interval", "hour", "--approximate-zone", "--to", "2021-09-30", "--report", "viewershipAnalytics"],
            ["--by", "nosuchdimension"],
            ["--interval", "weekly"],
            ["--by", "deviceType", "--by", "country"],
            ["--format"],
        ]
        for arguments in cases {
            let quick = try colan(["agg", "--store", store] + arguments)
            let parser = try colan(["agg", "--store", store] + arguments, environment: ["COLAN_ARGUMENT_PARSER": "1"])
            #expect(quick.0 == parser.0 && quick.1 == parser.1, "\(arguments)")
            // --explain's timings differ from run to run; the rest of stderr must not.
            let strip = { (text: String) in text.split(separator: "\n").filter { !$0.contains("time: plan") } }
            #expect(strip(quick.2) == strip(parser.2), "\(arguments)")
        }
    }
}
