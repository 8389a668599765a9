import ColanCore
import Foundation
import Testing

@Suite struct FileIOTests {
    @Test func foldersAreWalkedRecursivelyInNameOrderSkippingHiddenFilesAndSidecars() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("b/deeper"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent(".hidden"), withIntermediateDirectories: true)
        for name in ["z.json", "a.csv", "a.csv.url", ".DS_Store", "b/one.json", "b/deeper/two.csv", ".hidden/x.json"] {
            try Data("{}".utf8).write(to: dir.appendingPathComponent(name))
        }
        // A link to a folder is followed like the folder (its type is not known from the listing).
        try fm.createSymbolicLink(at: dir.appendingPathComponent("c-link"), withDestinationURL: dir.appendingPathComponent("b/deeper"))
        let root = dir.path
        #expect(try FileIO.filesUnder(root) == [
            root + "/a.csv", root + "/b/deeper/two.csv", root + "/b/one.json", root + "/c-link/two.csv", root + "/z.json",
        ])
        #expect(try FileIO.filesUnder(root + "/z.json") == [root + "/z.json"])
        #expect(throws: ColanError.self) { try FileIO.filesUnder(root + "/missing") }
    }
}
