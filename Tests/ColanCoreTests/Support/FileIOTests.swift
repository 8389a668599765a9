import ColanCore
@testable import ColanSupport
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

    /// A folder is listed in `String`'s order whichever way the names are compared (bytes when all
    /// are ASCII): prefixes first, upper case before lower, digits before letters, and names
    /// beyond ASCII in the same order as before.
    @Test(arguments: [false, true])
    func namesAreSortedAsStringsOrderThem(beyondASCII: Bool) {
        var generator = SystemRandomNumberGenerator()
        var names = ["a", "ab", "a-b", "a_b", "B", "b", "ch01_2024-01-02.json", "ch01_2024-01-02b.json", "ch01_2024-01-10.json",
                     "ch10_2024-01-01.json", "ch2_2024-01-01.json", "Z", "0", "9z", "", "a.url",
                     // Either side of whole 8-byte words (names are compared a word at a time).
                     "abcdefg", "abcdefgh", "abcdefgh0", "abcdefgh-", "abcdefgi", "abcdefghabcdefg", "abcdefghabcdefgh",
                     "abcdefghabcdefgh.", "abcdefghabcdefgg~", "abcdefgh\u{7F}", "abcdefgh\u{1}"]
        names += (0..<500).map { _ in String((0..<Int.random(in: 1...12, using: &generator)).map { _ in "ab-_0.Z".randomElement(using: &generator)! }) }
        if beyondASCII { names += ["é", "e\u{301}", "ä-1", "Ω", "a\u{308}"] }
        let entries = names.shuffled(using: &generator).map { (name: $0, isDirectory: Bool?.none) }
        #expect(FileIO.sortedByName(entries).map(\.name) == entries.map(\.name).sorted())
    }

    /// Files are opened by name in each file's folder, one opener for files of two folders in
    /// turn: each reads as its own bytes, sized; a file that is not there, or in a folder that is
    /// not there, fails when read, naming the file.
    @Test func openedFilesAreThoseOfTheirFolders() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("b"), withIntermediateDirectories: true)
        let root = dir.path
        let files = [("a1", 3, 65), ("a2", 0, 66), ("b/b1", 70_000, 67), ("a3", 12, 68), ("b/b2", 5, 69)]
        for (name, size, byte) in files {
            try Data(repeating: UInt8(byte), count: size).write(to: dir.appendingPathComponent(name))
        }
        let opener = FileOpener()
        for (name, size, byte) in files + [("b/b1", 70_000, 67)] {
            let file = opener.open(root + "/" + name)
            #expect(file.size == size)
            let bytes = try FileIO.withReleasableContents(of: file, buffers: ReadBuffers()) { bytes, _ in Array(bytes) }
            #expect(bytes == [UInt8](repeating: UInt8(byte), count: size), "\(name)")
        }
        for missing in [root + "/missing", root + "/nowhere/x"] {
            let file = opener.open(missing)
            #expect(file.size == 0)
            #expect(throws: ColanError.self) { try FileIO.withReleasableContents(of: file) { _, _ in } }
            do { try FileIO.withReleasableContents(of: file) { _, _ in } } catch let error as ColanError {
                #expect(error.description.contains(missing) && error.description.contains("cannot open"))
            }
        }
    }

    /// A named pipe among the files is refused as not a regular file, naming it, at once: opening
    /// it does not wait for a writer.
    @Test func aNamedPipeIsRefusedWithoutWaiting() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pipe = dir.path + "/pipe.json"
        #expect(mkfifo(pipe, 0o644) == 0)
        let file = FileOpener().open(pipe)
        do {
            _ = try FileIO.withReleasableContents(of: file) { _, _ in Issue.record("a pipe was read") }
            Issue.record("a pipe was not refused")
        } catch let error as ColanError {
            #expect(error.description.contains(pipe) && error.description.contains("not a regular file"), "\(error)")
        }
    }

    /// A request URL saved as FILE.url beside a file gives its filters and zone, whether
    /// the import learned of it from the folder's listing or asks the file system.
    @Test func sidecarsAreFoundFromTheFolderListingOrTheFileSystem() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let response = "{\"viewershipAnalytics\": [{\"time\": \"2021-09-01 00:00:00\", \"numberOfSession\": 3}]}"
        for name in ["a.json", "b.json"] { try Data(response.utf8).write(to: dir.appendingPathComponent(name)) }
        try Data("https://api-analytics.amagi.tv/api/v2?type=viewershipAnalytics&channelId=ch7&timezone=UTC\n".utf8)
            .write(to: dir.appendingPathComponent("a.json.url"))
        let listing = FolderListing()
        let files = try FileIO.filesUnder(dir.path, listing: listing)
        #expect(files == [dir.path + "/a.json", dir.path + "/b.json"])
        #expect(listing.contains(dir.path + "/a.json.url") == true)
        #expect(listing.contains(dir.path + "/b.json.url") == false)
        #expect(listing.contains("/elsewhere/c.json.url") == nil)
        #expect(!listing.holdsNoSidecar(besideFileAt: files[1]))  // its folder has a sidecar
        var listed = ImportOptions()
        listed.listing = listing
        for options in [listed, ImportOptions()] {
            let a = try #require(try ReportImporter.importFile(files[0], options: options).first)
            let b = try #require(try ReportImporter.importFile(files[1], options: options).first)
            #expect(a.fixed == ["channelId": "ch7"] && a.zone == "UTC")
            #expect(b.fixed.isEmpty && b.zone == "US/Pacific")
        }
    }

    /// A folder listed without sidecars answers for its own files only: not for a folder inside
    /// it, one whose name begins like it, or one never listed.
    @Test func aFolderListedWithoutSidecarsAnswersForItsOwnFiles() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for folder in ["bare", "bare/inner", "bare2"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        for name in ["bare/a.json", "bare/inner/b.json", "bare2/c.json", "bare2/c.json.url"] {
            try Data("{}".utf8).write(to: dir.appendingPathComponent(name))
        }
        let listing = FolderListing()
        let files = try FileIO.filesUnder(dir.path, listing: listing)
        #expect(files == ["bare/a.json", "bare/inner/b.json", "bare2/c.json"].map { dir.path + "/" + $0 })
        #expect(listing.holdsNoSidecar(besideFileAt: dir.path + "/bare/a.json"))
        #expect(listing.holdsNoSidecar(besideFileAt: dir.path + "/bare/inner/b.json"))
        #expect(!listing.holdsNoSidecar(besideFileAt: dir.path + "/bare2/c.json"))
        #expect(!listing.holdsNoSidecar(besideFileAt: dir.path + "/bare3/d.json"))
        #expect(!listing.holdsNoSidecar(besideFileAt: "/elsewhere/bare/a.json"))
        #expect(listing.contains(dir.path + "/bare2/c.json.url") == true)
    }

    /// A scan gives back the pages of each row group it has read (`MappedFile.release`): the bytes
    /// must read the same afterwards, for any range (unaligned, empty, past the end).
    @Test func releasedPagesOfAMappedFileReadTheSameAgain() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("f.bin").path
        let content = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        try Data(content).write(to: URL(fileURLWithPath: path))
        let file = try MappedFile(path: path)
        #expect(Array(file.bytes) == content)
        for range in [0..<100_000, 5_000..<70_001, 4_096..<8_192, 3..<4, 90_000..<200_000, 50..<50] {
            file.release(range)
            #expect(Array(file.bytes) == content)
        }
    }
}
