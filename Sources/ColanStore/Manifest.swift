import Dispatch
import ColanSupport
import ColanCatalog
import ColanColumns

/// The store's manifest: the committed segments and the imported files.
///
/// A tab-separated text file, one record a line, so a person can read it:
///
///     colan-store  1
///     next         NEXT-SEGMENT-NUMBER  NEXT-SOURCE-ID
///     segment      NAME  ROWS  KIND  CUBOID  MIN-TIME  MAX-TIME
///     source       ID  HASH  BYTES  ROWS  KIND  PATH  TOTALS
///
/// CUBOID is `Cuboid.encoded`, "kind|interval|zone|dim,dim" (the report key without its
/// values); times are UTC seconds or "-"; HASH is the file's 128-bit content
/// hash in hex; TOTALS is "key=value&..." of the vendor's totals block. Fields
/// escape tab, newline, '%', '&' and '=' as %XX.
package struct Manifest: Equatable, Sendable {
    static let version = 1

    var nextSegment = 1
    var nextSource = 1
    var segments: [SegmentEntry] = []
    package var sources: [SourceEntry] = []

    /// The manifest's text.
    func serialize() -> [UInt8] { Array(serializedParts().joined()) }

    /// The manifest's text in parts, to be written one after another: the header and segment
    /// lines, the source lines (`sourceLines`: made beforehand by `sourceLines()`, as the import
    /// does while its last segments are written), the last line feed.
    func serializedParts(sourceLines: [[UInt8]]? = nil) -> [[UInt8]] {
        // Written straight into bytes: a store of many small files has tens of
        // thousands of source lines, and joining Strings per field cost more than the rest of a commit.
        var out: [UInt8] = []
        out.reserveCapacity(64 + segments.count * 160)
        Self.put("colan-store\t\(Self.version)\nnext\t\(nextSegment)\t\(nextSource)", &out)
        for i in segments.indices {
            let s = segments[i]
            Self.put("\nsegment\t", &out); Self.put(s.name, &out); out.append(9); Self.put(String(s.rows), &out); out.append(9)
            Self.put(s.kind, &out); out.append(9); Self.putEscaped(s.cuboid, &out); out.append(9)
            Self.put(s.minTime.map(String.init) ?? "-", &out); out.append(9); Self.put(s.maxTime.map(String.init) ?? "-", &out)
        }
        return [out] + (sourceLines ?? self.sourceLines()) + [[10]]
    }

    /// The source lines of the text (each after a line feed), in slices of consecutive sources:
    /// made on all cores when there are thousands (a folder of small responses: one core took a
    /// fifth of such an import's commit writing them), and never joined (8 MB copied twice more).
    func sourceLines() -> [[UInt8]] {
        let n = sources.count
        let slices = n >= 4096 ? 8 : 1
        let parts = Slots<[UInt8]>(count: slices)
        let list = sources
        let slice: @Sendable (Int) -> Void = { k in
            var bytes: [UInt8] = []
            bytes.reserveCapacity((n / slices + 1) * 400)
            var keys = SortedKeys()
            for i in (k * n / slices)..<((k + 1) * n / slices) { Self.putSource(list[i], keys: &keys, &bytes) }
            parts.set(k, bytes)
        }
        if slices > 1 { DispatchQueue.concurrentPerform(iterations: slices, execute: slice) } else { slice(0) }
        return parts.filled
    }

    /// The sorted keys of the last totals written: consecutive sources (responses of one report)
    /// usually carry the same keys, which are then placed in that order by comparing them with
    /// these, neither sorted again nor looked up by hash (sorting each source's pairs, then looking
    /// each key up, took a fifth of the commit of 20,000 responses).
    private struct SortedKeys {
        var keys: [String] = [] {
            didSet { lengths = keys.map(\.utf8.count) }
        }
        /// Each key's length in bytes: compared first (keys of one response rarely share a length).
        private(set) var lengths: [Int] = []
        /// A source's values in the order of `keys` (reused from source to source).
        var values: [String?] = []

        /// Where `key` is among `keys`.
        func position(of key: String) -> Int? {
            let length = key.utf8.count
            return keys.indices.first { lengths[$0] == length && keys[$0] == key }
        }
    }

    /// Appends one source line (with the line feed before it); its totals in key order.
    private static func putSource(_ s: SourceEntry, keys: inout SortedKeys, _ out: inout [UInt8]) {
        put("\nsource\t", &out); TextFormat.appendInteger(Int64(s.id), to: &out); out.append(9); put(s.hash, &out); out.append(9)
        TextFormat.appendInteger(Int64(s.bytes), to: &out); out.append(9); TextFormat.appendInteger(Int64(s.rows), to: &out); out.append(9); put(s.kind, &out); out.append(9)
        putEscaped(s.path, &out); out.append(9)
        /// Appends a total (with the separator before it, after the first).
        func total(_ i: Int, _ key: String, _ value: String) {
            if i > 0 { out.append(38) }  // &
            putEscaped(key, &out); out.append(61); putEscaped(value, &out)  // =
        }
        if s.totals.count == keys.keys.count {
            var placed = 0
            for (key, value) in s.totals {
                guard let i = keys.position(of: key) else { break }
                keys.values[i] = value
                placed += 1
            }
            if placed == keys.keys.count {
                for i in keys.keys.indices {
                    total(i, keys.keys[i], keys.values[i]!)
                    keys.values[i] = nil
                }
                return
            }
            for i in keys.values.indices { keys.values[i] = nil }
        }
        let sorted = s.totals.sorted { $0.key < $1.key }
        keys.keys = sorted.map(\.key)
        keys.values = [String?](repeating: nil, count: sorted.count)
        for (i, pair) in sorted.enumerated() { total(i, pair.key, pair.value) }
    }

    private static func put(_ s: String, _ out: inout [UInt8]) { out.append(contentsOf: s.utf8) }

    /// Appends `s` with tab, newline, carriage return, '%', '&' and '=' escaped as %XX, byte by byte.
    private static func putEscaped(_ s: String, _ out: inout [UInt8]) {
        var s = s
        s.withUTF8 { bytes in
            // Most values need no escape: appended whole.
            if !ByteWordsKernel.mayHoldManifestEscapes(UnsafeRawBufferPointer(bytes)) {
                out.append(contentsOf: bytes)
                return
            }
            for b in bytes {
                switch b {
                case 9, 10, 13, 37, 38, 61:
                    // %XX with upper-case hex digits (all these bytes are below 0x40).
                    @inline(__always) func hex(_ d: UInt8) -> UInt8 { d < 10 ? 48 + d : 55 + d }
                    out.append(37)
                    out.append(hex(b >> 4))
                    out.append(hex(b & 15))
                default:
                    out.append(b)
                }
            }
        }
    }

    static func parse(_ bytes: [UInt8], path: String) throws -> Manifest {
        @Sendable func corrupt(_ line: Int, _ why: String) -> ColanError {
            ColanError(.store, "\(why): the store is corrupt", file: path, location: "line \(line)")
        }
        // Checked without making a String of it (a store of many responses has a manifest of megabytes, read by every query).
        guard bytes.withUnsafeBytes(UTF8Text.isValid) else { throw corrupt(1, "manifest is not UTF-8 text") }
        // Split on bytes (tab and line feed are never inside a UTF-8 sequence): splitting a String on
        // Characters walks grapheme clusters, and a store of many small responses has tens of thousands
        // of lines, read by every query.
        return try bytes.withUnsafeBufferPointer { all -> Manifest in
            let lines = all.split(separator: 10, omittingEmptySubsequences: true)
            guard let first = lines.first else { throw corrupt(1, "manifest does not start with 'colan-store VERSION'") }
            let header = Self.fields(first)
            guard header.count == 2, Self.text(header[0]) == "colan-store", let version: Int = Self.int(header[1]) else {
                throw corrupt(1, "manifest does not start with 'colan-store VERSION'")
            }
            guard version <= Self.version else {
                throw ColanError(.store, "store written in manifest version \(version); this colan reads versions up to \(Self.version)",
                                 file: path, hint: "upgrade colan to read it")
            }
            var m = Manifest()
            // The next and segment records are read here; the source records, tens of thousands in a
            // store of many responses, are parsed in slices on all cores. The first error in line order is thrown.
            var sourceLines: [Int] = []
            sourceLines.reserveCapacity(lines.count)
            var firstError: (index: Int, error: ColanError)?
            var knownKinds: Set<String> = []
            for i in 1..<lines.count {
                let line = lines[i]
                let name = line[line.startIndex..<(line.firstIndex(of: 9) ?? line.endIndex)]
                if Self.isRecord(name, Self.sourceRecord) {
                    sourceLines.append(i)
                    continue
                }
                do {
                    let f = Self.fields(line)
                    if Self.isRecord(name, Self.nextRecord) {
                        guard f.count == 3, let a: Int = Self.int(f[1]), let b: Int = Self.int(f[2]) else { throw corrupt(i + 1, "bad 'next' record") }
                        m.nextSegment = a
                        m.nextSource = b
                    } else if Self.isRecord(name, Self.segmentRecord) {
                        guard f.count == 7, let rows: Int = Self.int(f[2]), !f[1].contains(47) else { throw corrupt(i + 1, "bad 'segment' record") }
                        m.segments.append(SegmentEntry(name: Self.text(f[1]), rows: rows,
                                                       kind: try Self.kind(Self.text(f[3]), line: i + 1, known: &knownKinds),
                                                       cuboid: Self.text(f[4]), minTime: Self.int(f[5]), maxTime: Self.int(f[6])))
                    } else {
                        throw corrupt(i + 1, "unknown record '\(Self.text(name))'")
                    }
                } catch {
                    firstError = (i, error as? ColanError ?? corrupt(i + 1, "\(error)"))
                    break
                }
            }
            let count = sourceLines.count
            let slices = count >= 4096 ? 8 : 1
            // Each slice's entries, or its first bad line (by index) and why.
            let parts = Slots<Result<[SourceEntry], LineError>>(count: slices)
            let shared = UncheckedSendable((lines, sourceLines))
            let parseSlice: @Sendable (Int) -> Void = { k in
                let (lines, sourceLines) = shared.value
                var known: Set<String> = []
                var entries: [SourceEntry] = []
                entries.reserveCapacity(count / slices + 1)
                for i in sourceLines[(k * count / slices)..<((k + 1) * count / slices)] {
                    do {
                        entries.append(try Self.source(lines[i], line: i + 1, known: &known, corrupt: corrupt))
                    } catch {
                        parts.set(k, .failure(LineError(index: i, error: error as? ColanError ?? corrupt(i + 1, "\(error)"))))
                        return
                    }
                }
                parts.set(k, .success(entries))
            }
            if slices > 1 { DispatchQueue.concurrentPerform(iterations: slices, execute: parseSlice) } else { parseSlice(0) }
            m.sources.reserveCapacity(count)
            for part in parts.filled {
                switch part {
                case .success(let entries): m.sources += entries
                case .failure(let bad): if firstError.map({ bad.index < $0.index }) ?? true { firstError = (bad.index, bad.error) }
                }
            }
            if let firstError { throw firstError.error }
            return m
        }
    }

    /// A bad line of the manifest (its index among the lines) and why.
    private struct LineError: Error {
        let index: Int
        let error: ColanError
    }

    /// A manifest line's tab-separated fields.
    private static func fields(_ line: Slice<UnsafeBufferPointer<UInt8>>) -> [Slice<UnsafeBufferPointer<UInt8>>] {
        line.split(separator: 9, omittingEmptySubsequences: false)
    }

    private static func text(_ field: Slice<UnsafeBufferPointer<UInt8>>) -> String { unescape(field) }

    private static func int<T: FixedWidthInteger>(_ field: Slice<UnsafeBufferPointer<UInt8>>) -> T? {
        guard !field.isEmpty, field.count <= 20 else { return nil }
        var value: T = 0
        var negative = false
        for (i, b) in field.enumerated() {
            if i == 0 && b == 45 && field.count > 1 { negative = true; continue }
            guard b >= 48 && b <= 57 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(T(b - 48))
            guard !o1 && !o2 else { return nil }
            value = a
        }
        return negative ? 0 - value : value
    }

    /// The record names, as bytes: a line's first field is compared with them without a String.
    private static let nextRecord = Array("next".utf8), segmentRecord = Array("segment".utf8), sourceRecord = Array("source".utf8)

    private static func isRecord(_ field: Slice<UnsafeBufferPointer<UInt8>>, _ name: [UInt8]) -> Bool {
        field.count == name.count && field.elementsEqual(name)
    }

    /// A report kind as recorded, checked once each (`known`: a manifest of thousands of responses names a handful).
    private static func kind(_ text: String, line: Int, known: inout Set<String>) throws -> String {
        if !known.contains(text) {
            _ = try ReportKind.recorded(text, at: "manifest line \(line)")
            known.insert(text)
        }
        return text
    }

    /// One source record (line number `line`).
    private static func source(_ line: Slice<UnsafeBufferPointer<UInt8>>, line number: Int, known: inout Set<String>,
                               corrupt: @Sendable (Int, String) -> ColanError) throws -> SourceEntry {
        let f = fields(line)
        guard f.count == 8, let id: Int = int(f[1]), let size: Int = int(f[3]), let rows: Int = int(f[4]) else {
            throw corrupt(number, "bad 'source' record")
        }
        // Sized once: growing a dictionary rehashes it (a response's totals are eight or more).
        var totals: [String: String] = Dictionary(minimumCapacity: f[7].isEmpty ? 0 : f[7].reduce(1) { $1 == 38 ? $0 + 1 : $0 })
        var rest = f[7][...]
        while !rest.isEmpty {
            let end = rest.firstIndex(of: 38) ?? rest.endIndex
            let pair = rest[rest.startIndex..<end]
            guard let equals = pair.firstIndex(of: 61) else { throw corrupt(number, "bad totals") }
            totals[text(pair[pair.startIndex..<equals])] = text(pair[pair.index(after: equals)...])
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
        }
        return SourceEntry(id: id, hash: text(f[2]), bytes: size, rows: rows, kind: try kind(text(f[5]), line: number, known: &known),
                           path: text(f[6]), totals: totals)
    }
}

/// One committed segment, as the manifest lists it.
public struct SegmentEntry: Sendable, Equatable {
    /// File name under segments/.
    public var name: String
    /// Rows in it.
    public var rows: Int
    /// Its report kind.
    public var kind: String
    /// Its cuboid: "kind|interval|zone|dim,dim".
    public var cuboid: String
    /// Its first and last row time (UTC seconds), when it has times.
    public var minTime: Int64?
    /// See `minTime`.
    public var maxTime: Int64?
}

/// One imported file, as the manifest lists it.
public struct SourceEntry: Sendable, Equatable {
    /// The number stored in each of its rows' `_source` column.
    public var id: Int
    /// Its 128-bit content hash, in hex: the same bytes imported again are recognised.
    public var hash: String
    /// Its size in bytes.
    public var bytes: Int
    /// Rows it contributed when imported.
    public var rows: Int
    /// The kind of its main report.
    public var kind: String
    /// Its path when imported.
    public var path: String
    /// The vendor's totals block, if it had one.
    public var totals: [String: String]
}

/// A field's text with its %XX escapes decoded.
private func unescape(_ field: Slice<UnsafeBufferPointer<UInt8>>) -> String {
    guard field.contains(37) else { return String(decoding: UnsafeBufferPointer(rebasing: field), as: UTF8.self) }
    func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: b - 48
        case 65...70: b - 55
        case 97...102: b - 87
        default: nil
        }
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(field.count)
    var i = field.startIndex
    while i < field.endIndex {
        let b = field[i]
        if b == 37, i + 2 < field.endIndex, let h = hex(field[i + 1]), let l = hex(field[i + 2]) {
            bytes.append(h << 4 | l)
            i += 3
        } else {
            bytes.append(b)
            i += 1
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
