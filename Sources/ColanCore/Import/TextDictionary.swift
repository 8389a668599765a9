#if canImport(Glibc)
import Glibc
#endif

/// A dictionary of text values keyed by their bytes: importers look a field
/// up by the bytes it occupies in the file, so a value seen before costs a
/// hash and a compare, and only a new value becomes a String (validated as
/// UTF-8 then).
struct TextDictionary {
    /// The values, by code.
    private(set) var strings: [String] = []
    private var arena: [UInt8] = []
    private var starts: [Int] = []
    private var hashes: [UInt64] = []
    /// Open addressing: code + 1, or 0 for an empty slot.
    private var slots: [UInt32] = [UInt32](repeating: 0, count: 64)

    var count: Int { strings.count }

    /// The code of `bytes`, adding it when new; nil when the bytes are not valid UTF-8.
    mutating func code(of bytes: UnsafeRawBufferPointer) -> UInt32? {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
        while slots[i] != 0 {
            let c = Int(slots[i] - 1)
            if hashes[c] == h, equal(c, bytes) { return UInt32(c) }
            i = (i + 1) & mask
        }
        guard let s = String(validating: bytes, as: UTF8.self) else { return nil }
        let c = strings.count
        strings.append(s)
        starts.append(arena.count)
        arena.append(contentsOf: bytes)
        hashes.append(h)
        slots[i] = UInt32(c + 1)
        if strings.count * 2 > slots.count { grow() }
        return UInt32(c)
    }

    /// The code of a String value, adding it when new.
    mutating func code(of string: String) -> UInt32 {
        var s = string
        return s.withUTF8 { code(of: UnsafeRawBufferPointer($0)) } ?? 0
    }

    private func equal(_ c: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let start = starts[c]
        let end = c + 1 < starts.count ? starts[c + 1] : arena.count
        guard end - start == bytes.count else { return false }
        return arena.withUnsafeBytes { a in
            guard let p = a.baseAddress, let q = bytes.baseAddress else { return bytes.isEmpty }
            return memcmp(p + start, q, bytes.count) == 0
        }
    }

    private mutating func grow() {
        slots = [UInt32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for (c, h) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = UInt32(c + 1)
        }
    }
}
