import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one file that makes file-system system calls (open, write, fsync,
/// mmap), so their failures become `ColanError`s in one place.
public enum FileIO {
    /// The text of the current `errno`.
    package static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Writes `bytes` to `path` (creating or truncating it); with `sync`, fsyncs before closing.
    /// With `startWriteback` (and no `sync`), asks the kernel to start writing the bytes to disk
    /// without waiting: a later `syncFile` then finds little left to do.
    public static func write(_ bytes: [UInt8], to path: String, sync: Bool = false, startWriteback: Bool = false) throws {
        try write(parts: [bytes], to: path, sync: sync, startWriteback: startWriteback)
    }

    /// `write(_:to:sync:startWriteback:)` of the bytes of `parts`, one after another (a text made in
    /// slices on several cores is written without joining it first).
    public static func write(parts: [[UInt8]], to path: String, sync: Bool = false, startWriteback: Bool = false) throws {
        try FaultInjection.check("write", path: path)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ColanError(.format, "cannot create: \(errnoText())", file: path) }
        defer { close(fd) }
        for bytes in parts {
            var written = 0
            try bytes.withUnsafeBytes { raw in
                while written < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw ColanError(.format, "cannot write: \(errnoText())", file: path)
                    }
                    written += n
                }
            }
        }
        if sync {
            try FaultInjection.check("fsync", path: path)
            if fsync(fd) != 0 { throw ColanError(.format, "cannot fsync: \(errnoText())", file: path) }
        } else if startWriteback {
            #if canImport(Glibc)
            _ = syncFileRange(fd, 0, 0, 2)  // SYNC_FILE_RANGE_WRITE; only a hint, so its result does not matter
            #endif
        }
    }

    /// fsyncs a file written before (`write` with `startWriteback`), so its bytes are durable.
    public static func syncFile(_ path: String) throws {
        try FaultInjection.check("fsync", path: path)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ColanError(.format, "cannot open to fsync: \(errnoText())", file: path) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw ColanError(.format, "cannot fsync: \(errnoText())", file: path) }
    }

    /// Renames `from` to `to`, replacing `to` atomically.
    public static func rename(_ from: String, to: String) throws {
        try FaultInjection.check("rename", path: to)
        guard Glibc.rename(from, to) == 0 else { throw ColanError(.store, "cannot rename to \(to): \(errnoText())", file: from) }
    }

    /// Removes a file; a missing file is not an error.
    public static func remove(_ path: String) throws {
        try FaultInjection.check("unlink", path: path)
        if unlink(path) != 0 && errno != ENOENT { throw ColanError(.store, "cannot remove: \(errnoText())", file: path) }
    }

    /// Removes a folder if it is empty (a folder that is not is left as it is).
    package static func removeEmptyDirectory(_ path: String) { _ = rmdir(path) }

    /// Whether a file or folder exists at `path`.
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Runs `body` over a file's bytes: small files are read into memory
    /// (mapping and unmapping many small files costs TLB shootdowns across
    /// threads), into a buffer of `buffers` when given, large ones are mapped.
    public static func withContents<T>(of path: String, buffers: ReadBuffers? = nil, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        try withReleasableContents(of: path, buffers: buffers) { bytes, _ in try body(bytes) }
    }

    /// `withContents`, also handing `body` a call that gives a mapped file's pages back once it
    /// has read them (`MappedFile.release`, on another thread: for 820 MB it takes tens of
    /// milliseconds); the bytes stay readable. A file read into memory has nothing to give back.
    public static func withReleasableContents<T>(of path: String, buffers: ReadBuffers? = nil,
                                                 _ body: (UnsafeRawBufferPointer, _ releasePages: @escaping @Sendable () -> Void) throws -> T) throws -> T {
        try withReleasableContents(of: FileOpener.open(path), buffers: buffers, body)
    }

    /// `withReleasableContents(of:buffers:_:)` for a file opened already (by a `FileOpener`); its
    /// descriptor is closed once read. A file that could not be opened throws what stopped it.
    public static func withReleasableContents<T>(of file: OpenedFile, buffers: ReadBuffers? = nil,
                                                 _ body: (UnsafeRawBufferPointer, _ releasePages: @escaping @Sendable () -> Void) throws -> T) throws -> T {
        let path = file.path
        let (fd, size) = try file.take()
        guard file.isRegular else {
            close(fd)
            throw ColanError(.format, "not a regular file", file: path)
        }
        if size > ReadBuffers.largestRead {
            close(fd)
            let mapped = try MappedFile(path: path)
            // Unmapped on another thread: undoing the mapping of a big file (every page of it
            // touched) took a core 40 ms for 820 MB, while the import waited for it.
            defer { DispatchQueue.global(qos: .utility).async { withExtendedLifetime(mapped) {} } }
            // The closure holds the mapping: it cannot be unmapped (its range reused) before the release ran.
            return try body(mapped.bytes, { DispatchQueue.global(qos: .utility).async { mapped.release(0..<mapped.bytes.count) } })
        }
        defer { close(fd) }
        /// Fills `out` (at least `size` bytes) from the file; pread, so not zeroed first (zeroing cost as much as reading).
        func fill(_ out: UnsafeMutableRawPointer) throws {
            var done = 0
            while done < size {
                let n = pread(fd, out + done, size - done, off_t(done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    // Shorter than fstat said (truncated meanwhile) or unreadable: nothing is kept.
                    throw ColanError(.importing, n == 0 ? "file shrank while being read (fstat said \(size) bytes)" : "cannot read: \(errnoText())",
                                     file: path, location: "byte \(done)")
                }
                done += n
            }
        }
        if let buffers {
            let buffer = buffers.take()
            defer { buffers.giveBack(buffer) }
            try fill(buffer)
            return try body(UnsafeRawBufferPointer(start: buffer, count: size), {})
        }
        var failure: Error?
        let buffer = [UInt8](unsafeUninitializedCapacity: size) { out, count in
            do { try fill(out.baseAddress!) } catch { failure = error }
            count = failure == nil ? size : 0
        }
        if let failure { throw failure }
        return try buffer.withUnsafeBytes { try body($0, {}) }
    }

    /// Reads a whole file into memory.
    public static func read(_ path: String) throws -> [UInt8] {
        let mapped = try MappedFile(path: path)
        return Array(mapped.bytes)
    }
}

/// A file opened for reading, with its size, by a `FileOpener`: a folder's files are opened as
/// an import hands them out (`ImportJob`), and each is read once, by whichever thread parses it.
/// Its descriptor is closed when it is read (`FileIO.withReleasableContents(of:buffers:_:)`), or
/// else when it is let go.
public final class OpenedFile: @unchecked Sendable {
    /// Where the file is.
    public let path: String
    /// Its size in bytes when opened (0 when it could not be opened).
    public let size: Int
    /// Whether it is a regular file (anything else is refused when read).
    let isRegular: Bool
    /// Why it could not be opened or stat'ed, as `withReleasableContents` throws it.
    private let failure: ColanError?
    /// Open until taken (-1 after, or when opening failed); touched by one thread at a time.
    private var fd: Int32

    /// How files are opened: without blocking (a named pipe in a folder of responses would wait for
    /// a writer; it is refused as not a regular file instead, and a regular file reads as ever).
    static let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK

    init(path: String, fd: Int32) {
        self.path = path
        var info = stat()
        if fd < 0 {
            let error = ColanError(.importing, "cannot open: \(FileIO.errnoText())", file: path)
            (self.fd, size, isRegular, failure) = (-1, 0, false, error)
        } else if fstat(fd, &info) != 0 {
            let error = ColanError(.importing, "cannot stat: \(FileIO.errnoText())", file: path)
            close(fd)
            (self.fd, size, isRegular, failure) = (-1, 0, false, error)
        } else {
            (self.fd, size, isRegular, failure) = (fd, Int(info.st_size), (info.st_mode & S_IFMT) == S_IFREG, nil)
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// The open descriptor (the caller closes it) and the size, or the failure to open it.
    fileprivate func take() throws -> (fd: Int32, size: Int) {
        if let failure { throw failure }
        precondition(fd >= 0, "a file is read once")
        defer { fd = -1 }
        return (fd, size)
    }
}

/// Opens files one after another, each by its name in its folder: the folder is opened once for
/// consecutive files of one folder (as `FileIO.filesUnder` lists them), so a file's open looks up
/// one name, not every folder on its path again (a fifth of the system time of importing 20,000
/// responses went to path lookups). Used by one thread at a time.
public final class FileOpener: @unchecked Sendable {
    /// The folder open, as the path's bytes before its last slash.
    private var folder: [UInt8] = []
    private var folderFD: Int32 = -1

    /// An opener with no folder open yet.
    public init() {}

    deinit { if folderFD >= 0 { close(folderFD) } }

    /// Opens the file at `path` on its own (no folder kept open).
    public static func open(_ path: String) -> OpenedFile {
        OpenedFile(path: path, fd: systemOpen(path, OpenedFile.flags))
    }

    /// Opens the file at `path`, by its name in its folder when the folder can be opened.
    /// The path is read as bytes, its folder compared as bytes and its name copied to the stack for
    /// `openat`: no String made for either (two allocations a file, and a walk of the path by a
    /// generic `lastIndex`, were a twentieth of what opening 20,000 responses cost in user space).
    public func open(_ path: String) -> OpenedFile {
        var text = path
        let fd: Int32? = text.withUTF8 { bytes in
            guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return nil }
            let parent = UnsafeBufferPointer(rebasing: bytes[..<slash])
            if folderFD < 0 || !parent.elementsEqual(folder) {
                if folderFD >= 0 { close(folderFD) }
                folder = Array(parent)
                folderFD = systemOpen(parent.isEmpty ? "/" : String(decoding: parent, as: UTF8.self), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            }
            guard folderFD >= 0 else { return nil }
            let name = UnsafeBufferPointer(rebasing: bytes[(slash + 1)...])
            return withUnsafeTemporaryAllocation(of: CChar.self, capacity: name.count + 1) { cName in
                for (i, byte) in name.enumerated() { cName[i] = CChar(bitPattern: byte) }
                cName[name.count] = 0
                return openat(folderFD, cName.baseAddress!, OpenedFile.flags)
            }
        }
        return fd.map { OpenedFile(path: path, fd: $0) } ?? Self.open(path)
    }
}

/// The C library's `open` (a `FileOpener`'s own `open` hides it by name there).
private func systemOpen(_ path: String, _ flags: Int32) -> Int32 { open(path, flags) }

/// Buffers for `FileIO.withContents` to read small files into, reused from
/// file to file: a fresh allocation for each file could cost a page fault per
/// 4 KB page of it again (the 365-file CSV history: 224K -> 210K faults).
/// Each buffer holds `largestRead` bytes (bigger files are mapped); one is
/// kept per thread reading at a time.
public final class ReadBuffers: @unchecked Sendable {
    /// Files up to this size are read into memory; larger ones are mapped.
    public static let largestRead = 4 << 20
    private var free: [UnsafeMutableRawPointer] = []
    private let lock = PThreadMutex()

    /// An empty pool: buffers are allocated when first needed.
    public init() {}

    deinit { for buffer in free { buffer.deallocate() } }

    /// A buffer of `largestRead` bytes, for the caller alone until `giveBack`.
    func take() -> UnsafeMutableRawPointer {
        lock.withLock { free.popLast() } ?? .allocate(byteCount: Self.largestRead, alignment: 64)
    }

    /// Returns a buffer from `take` to the pool.
    func giveBack(_ buffer: UnsafeMutableRawPointer) {
        lock.withLock { free.append(buffer) }
    }
}

/// A read-only memory map of a whole file, unmapped when released.
///
/// Readers decode straight from the mapping, so only the chunks a query
/// touches are paged in.
public final class MappedFile: @unchecked Sendable {
    /// The file's bytes (empty for an empty file). Valid while `self` is alive.
    public let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer?

    /// Maps the file at `path`.
    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno  // before anything else can change it
            var error = ColanError(.format, "cannot open: \(String(cString: strerror(code)))", file: path)
            if code == ENOENT { error.reason = .fileMissing }
            throw error
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ColanError(.format, "cannot stat: \(FileIO.errnoText())", file: path) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw ColanError(.format, "not a regular file", file: path) }
        let size = Int(info.st_size)
        if size == 0 {
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw ColanError(.format, "cannot map: \(FileIO.errnoText())", file: path) }
        mapping = p
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    deinit {
        if let mapping { munmap(mapping, bytes.count) }
    }

    /// The page size, for `release`.
    private static let pageSize = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)

    /// Stops holding the pages wholly inside `range` (byte offsets into `bytes`): the process's
    /// resident memory falls by them, and reading them again maps them from the page cache (the
    /// mapping is read-only, so nothing is lost). A query over a store larger than memory then
    /// holds a few row groups' pages at a time, not every page it has read.
    public func release(_ range: Range<Int>) {
        guard let mapping else { return }
        let start = (max(range.lowerBound, 0) + Self.pageSize - 1) / Self.pageSize * Self.pageSize
        let end = min(range.upperBound, bytes.count) / Self.pageSize * Self.pageSize
        guard start < end else { return }
        // Page-aligned and inside the mapping (checked above); MADV_DONTNEED on a private,
        // never-written file mapping drops the pages, a later read faults the file's bytes in again.
        _ = madvise(mapping + start, end - start, Int32(MADV_DONTNEED))
    }
}

extension FileIO {
    /// Creates a folder (and its parents) unless it exists.
    public static func makeDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw ColanError(.store, "cannot create folder: \(errnoText())", file: prefix)
            }
            prefix += "/"
        }
    }
}

extension FileIO {
    /// fsyncs a folder, so a rename inside it is durable.
    public static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ColanError(.store, "cannot open folder: \(errnoText())", file: path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ColanError(.store, "cannot fsync folder: \(errnoText())", file: path) }
    }

    /// The names in a folder (no "." or ".."), sorted; empty if it cannot be read.
    public static func listDirectory(_ path: String) -> [String] {
        directoryEntries(path).map(\.name)
    }

    /// The entries of a folder (sorted by name, without "." and ".."), each with
    /// whether it is a folder when the file system says so without a stat
    /// (d_type), else nil.
    package static func directoryEntries(_ path: String) -> [(name: String, isDirectory: Bool?)] {
        guard let listing = NameListing(folder: path) else { return [] }
        return listing.sortedOrder().map { (listing.name($0, after: []), listing.isDirectory[$0]) }
    }

    /// `entries` sorted by name, as `String`'s `<` orders them (`NameListing.sortedOrder`).
    static func sortedByName(_ entries: [(name: String, isDirectory: Bool?)]) -> [(name: String, isDirectory: Bool?)] {
        var listing = NameListing()
        for entry in entries { listing.append(entry.name.utf8, isDirectory: entry.isDirectory) }
        return listing.sortedOrder().map { entries[$0] }
    }

    /// Files under `path` (itself if it is a file), recursively, sorted; hidden names and *.url sidecars skipped.
    /// (A sidecar is read with its file, `ReportImporter.applySidecars`.)
    /// Entry types come from the directory listing where it has them: a folder of
    /// thousands of responses costs no stat per file.
    /// `listing`, when given, records the folders listed and the sidecars seen in them.
    public static func filesUnder(_ path: String, listing: FolderListing? = nil) throws -> [String] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw ColanError(.importing, "cannot read: \(errnoText())", file: path) }
        if (info.st_mode & S_IFMT) != S_IFDIR { return [path] }
        var out: [String] = []
        var sidecars: [String] = []
        let prefix = Array((path + "/").utf8)
        // Names checked by their bytes, each path made once from the folder's and the name's bytes:
        // a folder of 20,000 responses is listed on one core before anything else can start.
        if let names = NameListing(folder: path) {
            for i in names.sortedOrder() where names.firstByte(i) != UInt8(ascii: ".") {
                let child = names.name(i, after: prefix)
                if names.hasSuffix(i, ".url") {
                    sidecars.append(child)
                } else if names.isDirectory[i] == false {
                    out.append(child)
                } else {
                    out += try filesUnder(child, listing: listing)
                }
            }
        }
        listing?.record(folder: path, sidecars: sidecars)
        return out
    }
}

/// A folder's names as read from it, every name's bytes end to end, and each entry's type when
/// the listing gives it (d_type): sorted and made into paths without a String per name first.
struct NameListing {
    private var bytes: [UInt8] = []
    /// Name i lies at `starts[i] ..< starts[i + 1]` of `bytes`.
    private var starts: [Int] = [0]
    /// Whether each entry is a folder (nil: the listing did not say).
    private(set) var isDirectory: [Bool?] = []

    /// No names.
    init() {}

    /// The names in `folder` (no "." or ".."), in the order the file system lists them; nil if
    /// it cannot be read.
    init?(folder: String) {
        guard let dir = opendir(folder) else { return nil }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let type = Int32(entry.pointee.d_type)
            withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let name = raw.prefix { $0 != 0 }
                guard !name.elementsEqual([46]) && !name.elementsEqual([46, 46]) else { return }
                append(name, isDirectory: type == Int32(DT_DIR) ? true : type == Int32(DT_REG) ? false : nil)
            }
        }
    }

    /// Adds a name (its bytes) and whether it is a folder.
    mutating func append<Name: Sequence>(_ name: Name, isDirectory type: Bool?) where Name.Element == UInt8 {
        bytes.append(contentsOf: name)
        starts.append(bytes.count)
        isDirectory.append(type)
    }

    /// How many names there are.
    var count: Int { isDirectory.count }

    /// The first byte of name i (nil for an empty name).
    func firstByte(_ i: Int) -> UInt8? { starts[i] < starts[i + 1] ? bytes[starts[i]] : nil }

    /// Whether name i ends with `suffix` (ASCII).
    func hasSuffix(_ i: Int, _ suffix: StaticString) -> Bool {
        let n = suffix.utf8CodeUnitCount
        guard starts[i + 1] - starts[i] >= n else { return false }
        return suffix.withUTF8Buffer { bytes[(starts[i + 1] - n)..<starts[i + 1]].elementsEqual($0) }
    }

    /// Name i after `prefix` (a folder's path and a slash), as one String, made in place.
    func name(_ i: Int, after prefix: [UInt8]) -> String {
        let name = bytes[starts[i]..<starts[i + 1]]
        return String(unsafeUninitializedCapacity: prefix.count + name.count) { out in
            _ = out.initialize(from: prefix)
            _ = out[prefix.count...].initialize(from: name)
            return prefix.count + name.count
        }
    }

    /// The entries' order by name, as `String`'s `<` orders the names. Names all in ASCII (the
    /// usual folder of responses) are compared as big-endian words, eight bytes at a time, each
    /// name zero-padded to whole words (no name holds a zero byte, so padding sorts a name before
    /// any longer one it begins): the same order (ASCII needs no normalization, and byte order is
    /// scalar order), a fraction of the time (sorting 20,000 names as Strings took 10 ms on one
    /// core before the import began).
    func sortedOrder() -> [Int] {
        guard !bytes.contains(where: { $0 >= 128 }) else {
            let names = (0..<count).map { name($0, after: []) }
            return names.indices.sorted { names[$0] < names[$1] }
        }
        var words: [UInt64] = []
        words.reserveCapacity(bytes.count / 8 + count)
        var wordStarts = [0]
        wordStarts.reserveCapacity(count + 1)
        for i in 0..<count {
            var word: UInt64 = 0, filled = 0
            for b in bytes[starts[i]..<starts[i + 1]] {
                word = word << 8 | UInt64(b)
                filled += 1
                if filled == 8 {
                    words.append(word)
                    (word, filled) = (0, 0)
                }
            }
            if filled > 0 || starts[i] == starts[i + 1] { words.append(word << UInt64(8 * (8 - filled) % 64)) }
            wordStarts.append(words.count)
        }
        /// Whether name a sorts before name b, from their word `from` on.
        func before(_ a: Int, _ b: Int, from: Int) -> Bool {
            var (i, j) = (wordStarts[a] + from, wordStarts[b] + from)
            let (endA, endB) = (wordStarts[a + 1], wordStarts[b + 1])
            while i < endA && j < endB {
                if words[i] != words[j] { return words[i] < words[j] }
                i += 1
                j += 1
            }
            return endA - wordStarts[a] < endB - wordStarts[b]
        }
        // Sorted by their first three words held beside each name (a name's first 24 bytes decide
        // most comparisons, read without looking its words up), the rest compared when those agree.
        // A name that ended has 0 for its later words, below any word of a longer name.
        func word(_ i: Int, _ k: Int) -> UInt64 { wordStarts[i] + k < wordStarts[i + 1] ? words[wordStarts[i] + k] : 0 }
        var keys = (0..<count).map { i in (word(i, 0), word(i, 1), word(i, 2), i) }
        keys.sort { x, y in
            if x.0 != y.0 { return x.0 < y.0 }
            if x.1 != y.1 { return x.1 < y.1 }
            if x.2 != y.2 { return x.2 < y.2 }
            return before(x.3, y.3, from: 3)
        }
        return keys.map(\.3)
    }
}

/// The folders an import listed and the `FILE.url` sidecars in them, so
/// that finding a file's sidecar costs a set lookup, not an access() call
/// per file (a folder of 14,600 responses spent 2% of its import there).
public final class FolderListing: @unchecked Sendable {
    private var folders: Set<String> = []
    private var sidecars: Set<String> = []
    /// Up to eight folders listed that hold no sidecar, as UTF-8 bytes (`holdsNoSidecar`).
    private var bareFolders: [[UInt8]] = []
    private let lock = PThreadMutex()

    /// An empty listing.
    public init() {}

    func record(folder: String, sidecars more: [String]) {
        lock.withLock {
            folders.insert(folder)
            sidecars.formUnion(more)
            if more.isEmpty && bareFolders.count < 8 { bareFolders.append(Array(folder.utf8)) }
        }
    }

    /// Whether the file at `path` lies in a folder listed without any sidecar (so it has none):
    /// its folder found among a few by comparing bytes, with no String made and no hashing (the
    /// usual import, one folder of responses and no sidecar, asks this for every file). False
    /// says nothing: `contains` answers then.
    public func holdsNoSidecar(besideFileAt path: String) -> Bool {
        var path = path
        return path.withUTF8 { p in
            lock.withLock {
                bareFolders.contains { folder in
                    p.count > folder.count + 1 && p[folder.count] == UInt8(ascii: "/") && p.prefix(folder.count).elementsEqual(folder)
                        && !p[(folder.count + 1)...].contains(UInt8(ascii: "/"))
                }
            }
        }
    }

    /// Whether `path` (a file's sidecar) exists, as the listing of its folder
    /// saw it; nil when its folder was not listed.
    public func contains(_ path: String) -> Bool? {
        // By UTF-8 bytes: `lastIndex(of:)` on the Characters walks grapheme clusters.
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        let folder = String(path[..<slash])
        return lock.withLock { folders.contains(folder) ? sidecars.contains(path) : nil }
    }
}

#if canImport(Glibc)
/// Linux's `int sync_file_range(int fd, off64_t offset, off64_t nbytes, unsigned int flags)` (not in Swift's Glibc module).
@_silgen_name("sync_file_range")
private func syncFileRange(_ fd: Int32, _ offset: Int64, _ bytes: Int64, _ flags: UInt32) -> Int32
#endif

/// A file written front to back (an export's Parquet or CSV file): created or truncated, bytes
/// appended, closed. Errors name the file.
public final class AppendFile {
    private var fd: Int32
    /// The file's path.
    public let path: String
    /// Bytes written so far.
    public private(set) var offset = 0

    /// Creates (or truncates) the file at `path`.
    public init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ColanError(.store, "cannot create file: \(FileIO.errnoText())", file: path) }
    }

    /// Appends `bytes`.
    public func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw ColanError(.store, "cannot write: \(FileIO.errnoText())", file: path) }
                done += n
            }
        }
        offset += bytes.count
    }

    /// Flushes the file to disk when `sync`, and closes it.
    public func close(sync: Bool) throws {
        defer { fd = -1 }
        if sync && fsync(fd) != 0 { _ = Glibc.close(fd); throw ColanError(.store, "cannot sync: \(FileIO.errnoText())", file: path) }
        guard Glibc.close(fd) == 0 else { throw ColanError(.store, "cannot close: \(FileIO.errnoText())", file: path) }
    }

    deinit { if fd >= 0 { _ = Glibc.close(fd) } }
}

extension FileIO {
    /// Removes `path` and everything under it (an export's replaced or unfinished folder).
    /// Symbolic links are removed, never followed.
    public static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for entry in directoryEntries(path) { removeTree(path + "/" + entry.name) }
            _ = rmdir(path)
        } else {
            _ = unlink(path)
        }
    }

    /// Whether `path` is a folder.
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
