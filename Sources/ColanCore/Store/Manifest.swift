/// The store's manifest: the committed segments and the imported files.
///
/// A tab-separated text file, one record a line, so a person can read it:
///
///     colan-store  1
///     next         NEXT-SEGMENT-NUMBER  NEXT-SOURCE-ID
///     segment      NAME  ROWS  KIND  CUBOID  MIN-TIME  MAX-TIME
///     source       ID  HASH  BYTES  ROWS  KIND  PATH  TOTALS
///
/// CUBOID is "kind|interval|zone|dim,dim" (the report key without its
/// values); times are UTC seconds or "-"; HASH is the file's 128-bit content
/// hash in hex; TOTALS is "key=value&..." of the vendor's totals block. Fields
/// escape tab, newline, '%', '&' and '=' as %XX.
struct Manifest: Equatable, Sendable {
    static let version = 1

    var nextSegment = 1
    var nextSource = 1
    var segments: [SegmentEntry] = []
    var sources: [SourceEntry] = []

    func serialize() -> [UInt8] {
        // Written straight into bytes: a store of many small files has tens of
        // thousands of source lines, and joining Strings per field cost more than the rest of a commit.
        var out: [UInt8] = []
        out.reserveCapacity(64 + segments.count * 160 + sources.count * 200)
        func put(_ s: String) { out.append(contentsOf: s.utf8) }
        func put(_ n: Int) { put(String(n)) }
        func tab() { out.append(9) }
        put("colan-store\t\(Self.version)\nnext\t\(nextSegment)\t\(nextSource)")
        for s in segments {
            put("\nsegment\t"); put(s.name); tab(); put(s.rows); tab(); put(s.kind); tab(); put(escape(s.cuboid)); tab()
            put(s.minTime.map(String.init) ?? "-"); tab(); put(s.maxTime.map(String.init) ?? "-")
        }
        for s in sources {
            put("\nsource\t"); put(s.id); tab(); put(s.hash); tab(); put(s.bytes); tab(); put(s.rows); tab(); put(s.kind); tab()
            put(escape(s.path)); tab()
            for (i, key) in s.totals.keys.sorted().enumerated() {
                if i > 0 { out.append(38) }  // &
                put(escape(key)); out.append(61); put(escape(s.totals[key] ?? ""))  // =
            }
        }
        out.append(10)
        return out
    }

    static func parse(_ bytes: [UInt8], path: String) throws -> Manifest {
        func corrupt(_ line: Int, _ why: String) -> ColanError {
            ColanError(.store, "\(why): the store is corrupt", file: path, location: "line \(line)")
        }
        guard let text = UTF8Text.string(bytes) else { throw corrupt(1, "manifest is not UTF-8 text") }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let header = lines.first?.split(separator: "\t", omittingEmptySubsequences: false), header.count == 2,
              header[0] == "colan-store", let version = Int(header[1]) else {
            throw corrupt(1, "manifest does not start with 'colan-store VERSION'")
        }
        guard version <= Self.version else {
            throw ColanError(.store, "store written in manifest version \(version); this colan reads versions up to \(Self.version)",
                             file: path, hint: "upgrade colan to read it")
        }
        var m = Manifest()
        for (i, line) in lines.enumerated().dropFirst() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch f.first {
            case "next":
                guard f.count == 3, let a = Int(f[1]), let b = Int(f[2]) else { throw corrupt(i + 1, "bad 'next' record") }
                m.nextSegment = a
                m.nextSource = b
            case "segment":
                guard f.count == 7, let rows = Int(f[2]), !f[1].contains("/") else { throw corrupt(i + 1, "bad 'segment' record") }
                m.segments.append(SegmentEntry(name: f[1], rows: rows, kind: f[3], cuboid: unescape(f[4]),
                                               minTime: Int64(f[5]), maxTime: Int64(f[6])))
            case "source":
                guard f.count == 8, let id = Int(f[1]), let size = Int(f[3]), let rows = Int(f[4]) else {
                    throw corrupt(i + 1, "bad 'source' record")
                }
                var totals: [String: String] = [:]
                for pair in f[7].split(separator: "&") {
                    let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    guard kv.count == 2 else { throw corrupt(i + 1, "bad totals") }
                    totals[unescape(String(kv[0]))] = unescape(String(kv[1]))
                }
                m.sources.append(SourceEntry(id: id, hash: f[2], bytes: size, rows: rows, kind: f[5], path: unescape(f[6]), totals: totals))
            default:
                throw corrupt(i + 1, "unknown record '\(f.first ?? "")'")
            }
        }
        return m
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

private func escape(_ s: String) -> String {
    // Most values need no escaping: return them as they are.
    if !s.utf8.contains(where: { $0 == 9 || $0 == 10 || $0 == 13 || $0 == 37 || $0 == 38 || $0 == 61 }) { return s }
    var out = ""
    for u in s.unicodeScalars {
        switch u {
        case "\t": out += "%09"
        case "\n": out += "%0A"
        case "\r": out += "%0D"
        case "%": out += "%25"
        case "&": out += "%26"
        case "=": out += "%3D"
        default: out.unicodeScalars.append(u)
        }
    }
    return out
}

private func unescape(_ s: String) -> String {
    guard s.contains("%") else { return s }
    var bytes: [UInt8] = []
    var it = Array(s.utf8)[...]
    while let b = it.popFirst() {
        if b == 37, it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
            bytes.append(v)
            it = it.dropFirst(2)
        } else {
            bytes.append(b)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
