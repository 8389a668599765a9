#if canImport(Glibc)
import Glibc
#endif

/// A dictionary of text values keyed by their bytes: importers look a field
/// up by the bytes it occupies in the file, so a value seen before costs a
/// hash and a compare. A new value is validated as UTF-8 and kept as bytes;
/// Strings are made only when the finished column asks for them (`strings`):
/// time labels, new in every row of a JSON report, never become Strings.
struct TextDictionary {
    private var arena: [UInt8] = []
    private var starts: [Int] = []
    private var hashes: [UInt64] = []
    /// Open addressing: each slot holds the hash's high 32 bits and code + 1 (0 for an
    /// empty slot), so one compare rejects almost every other value, and the value's
    /// `Words`, so a value of up to 32 bytes is recognised without a second, dependent
    /// load (of its entry: the lookups of a new contentId in every row waited on both).
    /// Allocated on the first value: most builders hold numbers and never need it.
    private var slots: [Slot] = []

    /// One slot of the table.
    private struct Slot {
        var head: UInt64 = 0
        var words = Words(count: 0)
    }
    /// The value returned last, as its `Words` (count -1 before the first):
    /// reports list rows grouped by time and their first dimensions, so a
    /// value often repeats the last one, and that check is a few word compares.
    private var last = Words.none
    private var lastCode: UInt32 = 0

    var count: Int { starts.count }

    /// The values as Strings, by code: made on each call, so callers take them once.
    var strings: [String] {
        (0..<count).map { c in withBytes(of: c) { String(decoding: $0, as: UTF8.self) } }  // validated when added
    }

    /// Runs `body` over the bytes of value `code`.
    func withBytes<T>(of code: Int, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        let bytes = range(of: code)
        return arena.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[bytes])) }
    }

    /// Where value `code` lies in the arena.
    private func range(of code: Int) -> Range<Int> {
        starts[code]..<(code + 1 < starts.count ? starts[code + 1] : arena.count)
    }

    /// A value of up to 32 bytes as four overlapping words that together cover
    /// every byte (equal words and count mean equal bytes); longer values keep
    /// only their count and are compared byte by byte.
    struct Words: Equatable {
        var count: Int
        var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0, d: UInt64 = 0

        static let none = Words(count: -1)

        /// Whether a value of up to 32 bytes has these words: field by field, the last
        /// word first (a vector compare of words just stored stalls on store forwarding;
        /// values sharing a prefix such as "content-" differ in their last word).
        @inline(__always) func match(_ other: Words) -> Bool {
            d == other.d && count == other.count && count <= 32 && a == other.a && b == other.b && c == other.c
        }

        @inline(__always) init(count: Int) { self.count = count }

        @inline(__always) init(_ bytes: UnsafeRawBufferPointer) {
            let n = bytes.count
            count = n
            guard n <= 32, let p = bytes.baseAddress else { return }
            if n >= 8 {
                a = p.loadUnaligned(as: UInt64.self)
                b = p.loadUnaligned(fromByteOffset: min(8, n - 8), as: UInt64.self)
                c = p.loadUnaligned(fromByteOffset: min(16, n - 8), as: UInt64.self)
                d = p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            } else if n >= 4 {
                a = UInt64(p.loadUnaligned(as: UInt32.self))
                d = UInt64(p.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
            } else if n > 0 {
                a = UInt64(p.load(as: UInt8.self)) | UInt64(p.load(fromByteOffset: n / 2, as: UInt8.self)) << 8
                    | UInt64(p.load(fromByteOffset: n - 1, as: UInt8.self)) << 16
            }
        }
    }

    /// The code of `bytes`, adding it when new; nil when the bytes are not valid UTF-8.
    @inline(__always) mutating func code(of bytes: UnsafeRawBufferPointer) -> UInt32? {
        let words = Words(bytes)
        // Word by word, the last word first: `last` was stored word by word by the lookup a row
        // before, and comparing it as one vector loaded it back whole, a store-forwarding stall on
        // every row that misses (a new contentId in every row); values sharing a prefix such as
        // "content-" differ in their last word.
        if words.match(last) { return lastCode }
        return lookUp(bytes)
    }

    /// `code(of:)` past the last-value check: the hash table. Takes the bytes
    /// and loads their words again: a `Words` passed in memory is stored as four
    /// words and reloaded as vectors, a store-forwarding stall that cost more
    /// than the loads.
    private mutating func lookUp(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
        let words = Words(bytes)
        let h = Self.hash(bytes, words)
        if slots.isEmpty { slots = [Slot](repeating: Slot(), count: 64) }
        let mask = slots.count - 1
        let tag = h & 0xFFFF_FFFF_0000_0000
        var i = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
        while slots[i].head != 0 {
            let head = slots[i].head
            if head & 0xFFFF_FFFF_0000_0000 == tag {
                let c = Int(truncatingIfNeeded: head & 0xFFFF_FFFF) - 1
                if words.count <= 32 ? words.match(slots[i].words) : equal(c, bytes) {
                    last = words
                    lastCode = UInt32(c)
                    return UInt32(c)
                }
            }
            i = (i + 1) & mask
        }
        guard UTF8Text.isValid(bytes) else { return nil }
        let c = starts.count
        starts.append(arena.count)
        arena.append(contentsOf: bytes)
        hashes.append(h)
        slots[i] = Slot(head: tag | UInt64(c + 1), words: words)
        if starts.count * 2 > slots.count { grow() }
        last = words
        lastCode = UInt32(c)
        return UInt32(c)
    }

    /// The code of a String value, adding it when new.
    mutating func code(of string: String) -> UInt32 {
        var s = string
        return s.withUTF8 { code(of: UnsafeRawBufferPointer($0)) } ?? 0
    }

    /// A fast hash of byte strings: values of up to 32 bytes from their
    /// `Words`, longer ones 16 bytes at a time, mixed by multiplication.
    /// Field values are mostly short, so this costs a few cycles instead of one per byte.
    static func hash(_ bytes: UnsafeRawBufferPointer, _ words: Words) -> UInt64 {
        @inline(__always) func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let m = a.multipliedFullWidth(by: b)
            return m.high ^ m.low
        }
        let n = bytes.count
        if n <= 32 {
            let h = mix(words.a ^ 0x243F_6A88_85A3_08D3 ^ UInt64(n), words.b ^ 0xA076_1D64_78BD_642F)
            return mix(h ^ words.c ^ 0xE703_7ED1_A0B4_28DB, words.d ^ 0x8EBC_6AF0_9C88_C6E3)
        }
        guard let p = bytes.baseAddress else { return 0x9E37_79B9_7F4A_7C15 }
        var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(n)
        var i = 0
        while i + 16 < n {
            h = mix(h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self),
                    0xA076_1D64_78BD_642F ^ p.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))
            i += 16
        }
        // The last 16 bytes (overlapping what came before).
        let a = p.loadUnaligned(fromByteOffset: n - 16, as: UInt64.self)
        let b = p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        return mix(h ^ a ^ 0xE703_7ED1_A0B4_28DB, b ^ 0x8EBC_6AF0_9C88_C6E3)
    }

    private func equal(_ c: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let entry = range(of: c), start = entry.lowerBound
        guard entry.count == bytes.count else { return false }
        return arena.withUnsafeBytes { a in
            guard let p = a.baseAddress, let q = bytes.baseAddress else { return bytes.isEmpty }
            let n = bytes.count
            // Field values are short: word loads (the last one overlapping) instead of a call to memcmp.
            if n >= 8 && n <= 32 {
                var i = 0
                while i + 8 < n {
                    if p.loadUnaligned(fromByteOffset: start + i, as: UInt64.self) != q.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                        return false
                    }
                    i += 8
                }
                return p.loadUnaligned(fromByteOffset: start + n - 8, as: UInt64.self) == q.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            }
            return memcmp(p + start, q, n) == 0
        }
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        let mask = slots.count - 1
        for slot in old where slot.head != 0 {
            let c = Int(truncatingIfNeeded: slot.head & 0xFFFF_FFFF) - 1
            let h = hashes[c]
            var i = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
            while slots[i].head != 0 { i = (i + 1) & mask }
            slots[i] = slot
        }
    }
}
