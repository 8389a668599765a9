import ColanSupport
import ColanColumns

/// Encodings of a string sequence.
///
///     dictionary  [16][u32 n][u32 entries][blob: (entries+1) x u32 offsets, UTF-8 bytes][int stream of codes]
///     plain       [17][u32 n][blob: (n+1) x u32 offsets, UTF-8 bytes]
///
/// The dictionary is sorted by UTF-8 bytes, so its first and last entries are
/// the chunk's min and max, and code order is string order. The codes are an
/// integer stream (bit-packed or run-length: they are the hot part a group-by
/// reads); the dictionary blob is cold and zstd-compressed where it pays.
enum StringEncoder {
    static let dictionaryTag: UInt8 = 16
    static let plainTag: UInt8 = 17

    /// Writes the strings `dictionary[codes[i]]` for i in `range`.
    /// Returns the description and whether zstd was used.
    /// `codeZstdSaving`: see `IntEncoder.encode`; nil keeps the codes lightweight.
    /// - Parameter ranks: each dictionary entry's rank in UTF-8 order, when the
    ///   caller has them (the local dictionary is then sorted by rank).
    /// - Parameter byRank: the dictionary's codes in UTF-8 order (the inverse
    ///   of `ranks`), when the caller has them: the chunk's distinct codes are
    ///   then found by marking and one walk in that order, without a sort.
    /// Every code must index `dictionary`: checked here unless the caller did
    /// (`codesChecked`), so the loops below index by the codes without a check per row.
    static func encode(dictionary: [String], codes: ArraySlice<UInt32>, allowZstd: Bool, codeZstdSaving: Double?,
                       ranks: [UInt32]? = nil, byRank: [UInt32]? = nil, codesChecked: Bool = false,
                       into w: inout ByteWriter) -> (String, Bool) {
        let n = codes.count
        if !codesChecked { requireCodes(codes, below: dictionary.count) }
        // Local dictionary of the codes this chunk uses, sorted by UTF-8 bytes: `used[c]` is code c's
        // position in it, -1 when the chunk does not use c.
        var used = [Int32](repeating: -1, count: dictionary.count)
        var distinct: [UInt32] = []
        // Marking pays when the dictionary is not much longer than the chunk (the walk covers all of it).
        let marking = byRank != nil && dictionary.count <= 4 * n
        if marking, let byRank {
            // Branch-free marks (a store per row), then the marked codes in UTF-8 order.
            used.withUnsafeMutableBufferPointer { u in
                codes.withUnsafeBufferPointer { cs in for c in cs { u[Int(c)] = 0 } }
            }
            distinct = byRank.filter { used[Int($0)] == 0 }
        } else {
            for c in codes where used[Int(c)] < 0 {
                used[Int(c)] = 0
                distinct.append(c)
            }
        }
        if distinct.count > 1024 && distinct.count * 2 > n {
            // Mostly unique values: a dictionary would only add codes.
            var raw: [UInt8] = []
            var offsets: [UInt32] = [0]
            for c in codes {
                raw.append(contentsOf: dictionary[Int(c)].utf8)
                offsets.append(UInt32(raw.count))
            }
            w.u8(plainTag)
            w.u32(UInt32(n))
            let z = Blob.write(offsetsAndBytes(offsets, raw), allowZstd: allowZstd, into: &w)
            return ("plain-string" + (z ? "+zstd" : ""), z)
        }
        if marking {
            // Already in UTF-8 order.
        } else if let ranks {
            distinct.sort { ranks[Int($0)] < ranks[Int($1)] }
        } else {
            distinct = utf8Order(distinct.map { dictionary[Int($0)] }).map { distinct[$0] }
        }
        for (local, c) in distinct.enumerated() { used[Int(c)] = Int32(local) }
        var raw: [UInt8] = []
        var offsets: [UInt32] = [0]
        for c in distinct {
            raw.append(contentsOf: dictionary[Int(c)].utf8)
            offsets.append(UInt32(raw.count))
        }
        w.u8(dictionaryTag)
        w.u32(UInt32(n))
        w.u32(UInt32(distinct.count))
        let z = Blob.write(offsetsAndBytes(offsets, raw), allowZstd: allowZstd, into: &w)
        // Each row's local code: one unchecked gather (every code was checked against the dictionary above).
        let localCodes = [Int64](unsafeUninitializedCapacity: n) { out, count in
            used.withUnsafeBufferPointer { u in
                codes.withUnsafeBufferPointer { cs in
                    for i in 0..<n { out[i] = Int64(u[Int(cs[i])]) }
                }
            }
            count = n
        }
        let inner = IntEncoder.encode(localCodes, into: &w, zstdSaving: codeZstdSaving)
        return ("dict(\(inner))" + (z ? "+zstd" : ""), z || inner.hasPrefix("zstd"))
    }

    /// Stops the program unless every code is below `count` (one pass the
    /// compiler vectorizes): the loops that then index by the codes (here, in
    /// chunk statistics and in raw sizes) run without a check per row. Codes come
    /// from the writer's own tables, so a failure is a bug, never bad input.
    static func requireCodes(_ codes: ArraySlice<UInt32>, below count: Int) {
        let largest = codes.withUnsafeBufferPointer { cs in cs.reduce(UInt32(0)) { max($0, $1) } }
        precondition(codes.isEmpty || Int(largest) < count, "dictionary code \(largest) outside \(count) entries")
    }

    private static func offsetsAndBytes(_ offsets: [UInt32], _ raw: [UInt8]) -> [UInt8] {
        var out = ByteWriter(capacity: offsets.count * 4 + raw.count)
        for o in offsets { out.u32(o) }
        out.raw(raw)
        return out.bytes
    }
}

/// Decodes string streams written by `StringEncoder`.
enum StringDecoder {
    /// Decodes `count` strings as a dictionary and one code per row.
    static func decode(_ r: inout ByteReader, count: Int) throws -> (dictionary: [String], codes: AlignedBuffer<UInt32>) {
        let codes = AlignedBuffer<UInt32>(count: count, zeroed: false)
        let dictionary = try decode(&r, count: count, into: codes, scratch: AlignedBuffer<Int64>(count: count, zeroed: false))
        return (dictionary, codes)
    }

    /// Decodes `count` codes into `codes` (through `scratch`, both holding at
    /// least `count`) and returns the dictionary they index.
    static func decode(_ r: inout ByteReader, count: Int, into codes: AlignedBuffer<UInt32>,
                       scratch: AlignedBuffer<Int64>) throws -> [String] {
        precondition(codes.count >= count && scratch.count >= count)
        let tag = try r.u8()
        let n = Int(try r.u32())
        guard n == count else { throw ColanError(.format, "string stream holds \(n) values, expected \(count)") }
        switch tag {
        case StringEncoder.plainTag:
            let strings = try readStrings(&r, entries: n)
            for i in 0..<n { codes.pointer[i] = UInt32(i) }
            return strings
        case StringEncoder.dictionaryTag:
            let entries = try r.count(limit: max(n, 1))
            let strings = try readStrings(&r, entries: entries)
            try IntDecoder.decode(&r, count: n, into: scratch.pointer)
            // Validating every code here is what lets kernels index the dictionary unchecked;
            // one branch-free pass, then a search only when something is wrong.
            var outside: UInt64 = 0
            let limit = UInt64(entries)
            for i in 0..<n {
                let c = UInt64(bitPattern: scratch.pointer[i])
                outside |= c >= limit ? 1 : 0
                codes.pointer[i] = UInt32(truncatingIfNeeded: c)
            }
            if outside != 0, let i = (0..<n).first(where: { UInt64(bitPattern: scratch.pointer[$0]) >= limit }) {
                throw ColanError(.format, "dictionary code \(scratch.pointer[i]) at row \(i) is outside the \(entries) entries")
            }
            return strings
        default:
            throw ColanError(.format, "unknown string encoding \(tag)")
        }
    }

    /// Reads only the dictionary (all values, for plain streams) of a string stream.
    static func dictionary(_ r: inout ByteReader, count: Int) throws -> [String] {
        let tag = try r.u8()
        let n = Int(try r.u32())
        guard n == count else { throw ColanError(.format, "string stream holds \(n) values, expected \(count)") }
        switch tag {
        case StringEncoder.plainTag: return try readStrings(&r, entries: n)
        case StringEncoder.dictionaryTag: return try readStrings(&r, entries: try r.count(limit: max(n, 1)))
        default: throw ColanError(.format, "unknown string encoding \(tag)")
        }
    }

    static func readStrings(_ r: inout ByteReader, entries: Int) throws -> [String] {
        let blob = try Blob.read(&r, rawLimit: Int(UInt32.max))
        return try blob.withUnsafeBytes { bytes -> [String] in
            var br = ByteReader(bytes, what: "string section")
            var offsets: [Int] = []
            offsets.reserveCapacity(entries + 1)
            for _ in 0...entries { offsets.append(Int(try br.u32())) }
            let data = try br.bytes(br.remaining)
            var strings: [String] = []
            strings.reserveCapacity(entries)
            for i in 0..<entries {
                let a = offsets[i], b = offsets[i + 1]
                guard a <= b, b <= data.count else {
                    throw ColanError(.format, "string offsets \(a)...\(b) are outside the \(data.count) bytes")
                }
                guard let s = UTF8Text.string(UnsafeRawBufferPointer(rebasing: data[a..<b])) else {
                    throw ColanError(.format, "string \(i) is not valid UTF-8")
                }
                strings.append(s)
            }
            return strings
        }
    }
}
