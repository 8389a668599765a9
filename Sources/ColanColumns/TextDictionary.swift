import ColanSupport

/// A dictionary of text values keyed by their bytes: importers look a field
/// up by the bytes it occupies in the file, so a value seen before costs a
/// hash and a compare. A new value is validated as UTF-8 and kept as bytes;
/// Strings are made only when the finished column asks for them (`strings`):
/// time labels, new in every row of a JSON report, never become Strings.
public struct TextDictionary: Sendable {
    private var arena: [UInt8] = []
    @usableFromInline var starts: [Int] = []
    private var hashes: [UInt64] = []
    /// Open addressing: each slot holds the hash's high 32 bits and code + 1 (0 for an
    /// empty slot), so one compare rejects almost every other value, and the value's
    /// `Words`, so a value of up to 32 bytes is recognised without a second, dependent
    /// load (of its entry: the lookups of a new contentId in every row waited on both).
    /// Built when the values stop rising (`ascending`): most builders hold numbers and never need it.
    private var slots: [Slot] = []
    /// Whether every value so far was added after the one before it in byte order, and so no
    /// table (`slots`, `hashes`) is kept yet: a new value after the last is appended with no hash
    /// and no probe (time labels, new in nearly every row, rise within a response, a run of
    /// responses of one channel and a CSV file: their hashing and probing were a twentieth of
    /// the import of 20,000 responses). The first value not after the last builds the table
    /// (`buildTable`), once, and the dictionary works as a hash table from then on.
    private var ascending = true

    /// One slot of the table.
    private struct Slot {
        var head: UInt64 = 0
        var words = Words(count: 0)
    }
    /// The value returned last, as its `Words` (count -1 before the first):
    /// reports list rows grouped by time and their first dimensions, so a
    /// value often repeats the last one, and that check is a few word compares.
    @usableFromInline var last = Words.none
    @usableFromInline var lastCode: UInt32 = 0

    /// An empty dictionary.
    package init() {}

    /// How many values there are (inlinable: read for every response a run takes, `ColumnBuilder.textValueCounts`).
    @inlinable package var count: Int { starts.count }

    /// The values as Strings, by code: made on each call, so callers take them once.
    package var strings: [String] {
        (0..<count).map { c in withBytes(of: c) { String(decoding: $0, as: UTF8.self) } }  // validated when added
    }

    /// Runs `body` over the bytes of value `code`.
    package func withBytes<T>(of code: Int, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        let bytes = range(of: code)
        return arena.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[bytes])) }
    }

    /// Runs `body` over every value's code and bytes, in code order (one pass over the arena, not
    /// a closure call into it for each value: every time label of an import is read this way).
    package func forEachValue(_ body: (Int, UnsafeRawBufferPointer) -> Void) {
        arena.withUnsafeBytes { all in
            for code in starts.indices { body(code, UnsafeRawBufferPointer(rebasing: all[range(of: code)])) }
        }
    }

    /// Where value `code` lies in the arena.
    private func range(of code: Int) -> Range<Int> {
        starts[code]..<(code + 1 < starts.count ? starts[code + 1] : arena.count)
    }

    /// A value's words (`ByteWordsKernel.Words`).
    public typealias Words = ByteWordsKernel.Words

    /// The code of `bytes`, adding it when new; nil when the bytes are not valid UTF-8.
    // Inlinable: the parsers of ColanImport call it for every field of every row.
    @inlinable @inline(__always) package mutating func code(of bytes: UnsafeRawBufferPointer) -> UInt32? {
        let words = Words(bytes)
        // Word by word, the last word first: `last` was stored word by word by the lookup a row
        // before, and comparing it as one vector loaded it back whole, a store-forwarding stall on
        // every row that misses (a new contentId in every row); values sharing a prefix such as
        // "content-" differ in their last word.
        if words.match(last) { return lastCode }
        return lookUp(bytes)
    }

    /// `code(of:)` of bytes the caller found all below 0x80: ASCII is UTF-8, not checked again
    /// (the JSON row kernel takes only such strings).
    @inlinable @inline(__always) package mutating func code(ofASCII bytes: UnsafeRawBufferPointer) -> UInt32? {
        let words = Words(bytes)
        if words.match(last) { return lastCode }
        return lookUp(bytes, validated: true)
    }

    /// `code(of:)` past the last-value check: appended while the values rise, else the hash
    /// table (built when they stop rising, `buildTable`). Takes the bytes
    /// and loads their words again: a `Words` passed in memory is stored as four
    /// words and reloaded as vectors, a store-forwarding stall that cost more
    /// than the loads.
    /// `validated`: the bytes are known to be UTF-8.
    @usableFromInline mutating func lookUp(_ bytes: UnsafeRawBufferPointer, validated: Bool = false) -> UInt32? {
        let words = Words(bytes)
        if ascending {
            // While the values rise, `last` is the last value added (or `.none` after a merge or a
            // take-back): a value of its length, 8 to 32 bytes, is compared by their words (time
            // labels), any other with the last value's bytes.
            let wordsTell = words.count == last.count && words.count >= 8 && words.count <= 32
            if count == 0 || (wordsTell ? words.isAfter(sameLength: last) : isAfterLast(bytes)) {
                guard validated || UTF8Text.isValid(bytes) else { return nil }
                let c = starts.count
                starts.append(arena.count)
                arena.append(contentsOf: bytes)
                last = words
                lastCode = UInt32(c)
                return UInt32(c)
            }
            buildTable()
        }
        let h = Self.hash(bytes, words)
        let (found, slot) = probe(bytes, words, h)
        if let found {
            last = words
            lastCode = UInt32(found)
            return UInt32(found)
        }
        guard validated || UTF8Text.isValid(bytes) else { return nil }
        let c = insert(bytes, words, h, at: slot)
        if starts.count * 2 > slots.count { placeAll(in: slots.count * 2) }
        last = words
        lastCode = UInt32(c)
        return UInt32(c)
    }

    /// Whether `bytes` come after the last value added, in byte order.
    private func isAfterLast(_ bytes: UnsafeRawBufferPointer) -> Bool {
        withBytes(of: count - 1) { ByteWordsKernel.isAfter(bytes, $0) }
    }

    /// Hashes every value and puts it in a new table, ending `ascending`.
    private mutating func buildTable() {
        ascending = false
        hashes = arena.withUnsafeBytes { all in
            (0..<count).map { c in
                let bytes = UnsafeRawBufferPointer(rebasing: all[range(of: c)])
                return Self.hash(bytes, Words(bytes))
            }
        }
        var size = 64
        while count * 2 >= size { size *= 2 }
        placeAll(in: size)
    }

    /// A new table of `size` slots holding every value, by the hashes kept (built, grown, or
    /// rebuilt after a take-back).
    private mutating func placeAll(in size: Int) {
        slots = [Slot](repeating: Slot(), count: size)
        let mask = size - 1
        arena.withUnsafeBytes { all in
            for c in 0..<count {
                let h = hashes[c]
                var i = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
                while slots[i].head != 0 { i = (i + 1) & mask }
                slots[i] = Slot(head: (h & 0xFFFF_FFFF_0000_0000) | UInt64(c + 1), words: Words(UnsafeRawBufferPointer(rebasing: all[range(of: c)])))
            }
        }
    }

    /// Where `bytes` (their `words`, their hash `h`) are in the table: the code of the equal value,
    /// or nil and the empty slot a new one goes in.
    @inline(__always) private func probe(_ bytes: UnsafeRawBufferPointer, _ words: Words, _ h: UInt64) -> (code: Int?, slot: Int) {
        let mask = slots.count - 1
        let tag = h & 0xFFFF_FFFF_0000_0000
        var i = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
        while slots[i].head != 0 {
            let head = slots[i].head
            if head & 0xFFFF_FFFF_0000_0000 == tag {
                let c = Int(truncatingIfNeeded: head & 0xFFFF_FFFF) - 1
                if words.count <= 32 ? words.match(slots[i].words) : equal(c, bytes) { return (c, i) }
            }
            i = (i + 1) & mask
        }
        return (nil, i)
    }

    /// Adds a new value (UTF-8 already) at the empty `slot` `probe` found; returns its code.
    @inline(__always) private mutating func insert(_ bytes: UnsafeRawBufferPointer, _ words: Words, _ h: UInt64, at slot: Int) -> Int {
        let c = starts.count
        starts.append(arena.count)
        arena.append(contentsOf: bytes)
        hashes.append(h)
        slots[slot] = Slot(head: (h & 0xFFFF_FFFF_0000_0000) | UInt64(c + 1), words: words)
        return c
    }

    /// Adds `other`'s values in its code order (each new one taking the next code, as `code(of:)`
    /// of each in turn would) and returns the code here of each of `other`'s codes. Its values were
    /// validated and hashed when added there: they are neither validated nor hashed again (only
    /// hashed, when the other kept no table), and the table is grown once for all of them.
    package mutating func merge(_ other: TextDictionary) -> [UInt32] {
        guard other.count > 0 else { return [] }
        if ascending && other.ascending && (count == 0 || other.withBytes(of: 0) { isAfterLast($0) }) {
            // Both rising, the other's first value after this one's last (the chunks of one CSV file):
            // appended whole, still rising.
            let base = count, shift = arena.count
            starts.append(contentsOf: other.starts.lazy.map { $0 + shift })
            arena.append(contentsOf: other.arena)
            last = .none
            return (0..<other.count).map { UInt32(base + $0) }
        }
        if ascending { buildTable() }
        reserve(count + other.count)
        arena.reserveCapacity(arena.count + other.arena.count)
        var codes = [UInt32](repeating: 0, count: other.count)
        other.arena.withUnsafeBytes { theirs in
            for c in 0..<other.count {
                let bytes = UnsafeRawBufferPointer(rebasing: theirs[other.range(of: c)])
                let words = Words(bytes)
                // A rising dictionary keeps no hashes: hashed here.
                let h = other.ascending ? Self.hash(bytes, words) : other.hashes[c]
                let (found, slot) = probe(bytes, words, h)
                codes[c] = UInt32(found ?? insert(bytes, words, h, at: slot))
            }
        }
        last = .none
        return codes
    }

    /// The code of a String value, adding it when new.
    package mutating func code(of string: String) -> UInt32 {
        var s = string
        return s.withUTF8 { code(of: UnsafeRawBufferPointer($0)) } ?? 0
    }

    /// The hash of a value (`ByteWordsKernel.hash`).
    package static func hash(_ bytes: UnsafeRawBufferPointer, _ words: Words) -> UInt64 { ByteWordsKernel.hash(bytes, words) }

    private func equal(_ c: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let entry = range(of: c)
        guard entry.count == bytes.count else { return false }
        return arena.withUnsafeBytes { ByteWordsKernel.equal(UnsafeRawBufferPointer(rebasing: $0[entry]), bytes) }
    }

    /// Drops the values from code `values` on (the last ones added), as if they had never been:
    /// a response taken back out of a run's columns (`ResponseRun`). The table is rebuilt from the
    /// kept values' hashes.
    package mutating func truncate(to values: Int) {
        guard values < count else { return }
        arena.removeSubrange(starts[values]...)
        starts.removeSubrange(values...)
        last = .none
        guard !ascending else { return }  // no table; the values left still rise
        hashes.removeSubrange(values...)
        placeAll(in: slots.count)
    }

    /// Makes room for `values` values in all (the table and the arrays): adding that many then
    /// grows nothing (a joined column's dictionary is sized once for its parts').
    package mutating func reserve(_ values: Int) {
        starts.reserveCapacity(values)
        guard !ascending else { return }  // the table is sized when built
        var size = slots.count
        while values * 2 > size { size *= 2 }
        if size > slots.count { placeAll(in: size) }
        hashes.reserveCapacity(values)
    }
}
