import ColanCore
import Foundation
import Testing

/// The import transaction `colan import` runs, called directly: the production path, in process.
@Suite struct ImportTransactionTests {
    @Test func aFolderImportsAndAgainChangesNothing() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let request = ImportTransaction.Request(store: dir.path + "/store", paths: [SampleDataTests.folder.path])
        let calls = ProgressCalls()
        let first = try ImportTransaction.run(request, progress: { done, total in calls.record(done, total) })
        let outcome = try #require(first.outcome)
        #expect(first.files == 20 && first.failures.isEmpty)
        #expect(outcome.filesImported == 20 && outcome.reportsImported == 20 && outcome.rowsAdded == 191)
        #expect(calls.last.map { $0 == (20, 20) } == true)
        let again = try #require(try ImportTransaction.run(request).outcome)
        #expect(again.filesImported == 0 && again.alreadyImported.count == 20 && again.rowsAdded == 0)
    }

    @Test func aBadFileGivesTheImportUpUnlessKeepGoing() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "time,numberOfSession\n2021-09-01,5\n".write(to: folder.appendingPathComponent("good.csv"), atomically: true, encoding: .utf8)
        try "{\"statusCode\":401,\"error\":\"Unauthorized\",\"message\":\"token expired\"}".write(
            to: folder.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
        var request = ImportTransaction.Request(store: dir.path + "/store", paths: [folder.path])
        let refused = try ImportTransaction.run(request)
        #expect(refused.outcome == nil)
        #expect(refused.failures.count == 1 && refused.failures[0].description.contains("token expired"))
        // The store this import would have created is not left behind.
        #expect(!FileManager.default.fileExists(atPath: request.store))
        request.keepGoing = true
        let kept = try ImportTransaction.run(request)
        #expect(kept.outcome?.filesImported == 1 && kept.failures.count == 1)
        #expect(FileManager.default.fileExists(atPath: request.store + "/manifest"))
    }
}

/// The progress callback's calls, from the parsing threads.
final class ProgressCalls: @unchecked Sendable {
    private let lock = NSLock()
    private var calls: [(Int, Int)] = []
    func record(_ done: Int, _ total: Int) { lock.lock(); calls.append((done, total)); lock.unlock() }
    var last: (Int, Int)? { lock.lock(); defer { lock.unlock() }; return calls.max { $0.0 < $1.0 } }

    /// A big file is mapped, parsed in chunks on both cores, and its pages are given back once it is
    /// parsed and hashed. The answers must equal one sequential read, also when the chunks typed a
    /// column differently and the file is read again from the start after its pages went back.
    @Test func aBigMappedFileGivesItsPagesBackAndImportsTheSame() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for mixedFrom in [nil, 150_000] as [Int?] {
            var lines = ["time,channelId,numberOfSession,mixed"]
            for i in 0..<160_000 {
                let mixed = mixedFrom.map { i >= $0 ? "x\(i % 3)" : String(i % 9) } ?? String(i % 9)
                lines.append("2021-09-\(10 + i / 10_000) \(i % 24 < 10 ? "0" : "")\(i % 24):00:00,ch\(i % 7),\(i % 17),\(mixed)")
            }
            let text = lines.joined(separator: "\n") + "\n"
            #expect(text.utf8.count > ReadBuffers.largestRead)  // mapped, not read into a buffer
            let file = dir.appendingPathComponent("big-\(mixedFrom ?? 0).csv").path
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            var answers: [[[ResultValue]]] = []
            for chunkBytes in [1 << 20, Int.max] {
                var request = ImportTransaction.Request(store: dir.path + "/store-\(mixedFrom ?? 0)-\(chunkBytes)", paths: [file])
                request.options.zone = "UTC"
                request.options.parallelCSVBytes = chunkBytes
                let outcome = try #require(try ImportTransaction.run(request).outcome)
                #expect(outcome.rowsAdded == 160_000)
                var query = AggregateQuery()
                query.by = ["channelId"]
                query.interval = .day
                query.zone = "UTC"
                query.metrics = ["totalSessions"]
                answers.append(try AggregateEngine.run(query, store: try Store(path: request.store)).rows)
            }
            #expect(answers[0] == answers[1] && answers[0].count == 112)
        }
    }
}
