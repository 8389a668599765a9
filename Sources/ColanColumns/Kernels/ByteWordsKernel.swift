#if canImport(Glibc)
import Glibc
#endif

/// Short byte strings as machine words: the import dictionaries' value identity, hash and
/// equality (`TextDictionary`). A kernel file: its unaligned loads are the unsafe code of
/// the dictionaries. Invariants: every load reads inside the buffer it is given (a value of
/// n bytes is read as words at offsets 0 ... n - 8, overlapping, only when n >= 8; as 32-bit
/// words when 4 <= n < 8; byte by byte below), and buffers are never written.
public enum ByteWordsKernel {
    /// A value of up to 32 bytes as four overlapping words that together cover
    /// every byte (equal words and count mean equal bytes); longer values keep
    /// only their count and are compared byte by byte.
    public struct Words: Equatable, Sendable {
        @usableFromInline package var count: Int
        @usableFromInline package var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0, d: UInt64 = 0

        package static let none = Words(count: -1)

        /// Whether a value of up to 32 bytes has these words: field by field, the last
        /// word first (a vector compare of words just stored stalls on store forwarding;
        /// values sharing a prefix such as "content-" differ in their last word).
        @inlinable @inline(__always) package func match(_ other: Words) -> Bool {
            d == other.d && count == other.count && count <= 32 && a == other.a && b == other.b && c == other.c
        }

        /// Whether a value with these words comes after one with `other`'s in byte order, both
        /// 8 to 32 bytes long and of one length: their words then lie at the same offsets, in
        /// order of offset, and cover every byte, so the first word that differs holds the first
        /// byte that differs, and read big-endian it orders the values as that byte does.
        @inlinable @inline(__always) package func isAfter(sameLength other: Words) -> Bool {
            if a != other.a { return UInt64(bigEndian: a) > UInt64(bigEndian: other.a) }
            if b != other.b { return UInt64(bigEndian: b) > UInt64(bigEndian: other.b) }
            if c != other.c { return UInt64(bigEndian: c) > UInt64(bigEndian: other.c) }
            return UInt64(bigEndian: d) > UInt64(bigEndian: other.d)
        }

        @inlinable @inline(__always) package init(count: Int) { self.count = count }

        @inlinable @inline(__always) package init(_ bytes: UnsafeRawBufferPointer) {
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

    /// A fast hash of byte strings: values of up to 32 bytes from their
    /// `Words`, longer ones 16 bytes at a time, mixed by multiplication.
    /// Field values are mostly short, so this costs a few cycles instead of one per byte.
    package static func hash(_ bytes: UnsafeRawBufferPointer, _ words: Words) -> UInt64 {
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

    /// Whether two byte strings are equal: word loads for the short values fields hold (the
    /// last one overlapping) instead of a call to memcmp.
    package static func equal(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
        let n = x.count
        guard n == y.count else { return false }
        guard let p = x.baseAddress, let q = y.baseAddress else { return n == 0 }
        if n >= 8 && n <= 32 {
            var i = 0
            while i + 8 < n {
                if p.loadUnaligned(fromByteOffset: i, as: UInt64.self) != q.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
                i += 8
            }
            return p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == q.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        }
        return memcmp(p, q, n) == 0
    }

    /// Whether `x` comes after `y` in byte order (a longer value after its own prefix).
    package static func isAfter(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
        let common = min(x.count, y.count)
        if common > 0, let p = x.baseAddress, let q = y.baseAddress {
            let c = memcmp(p, q, common)
            if c != 0 { return c > 0 }
        }
        return x.count > y.count
    }

    /// Whether `bytes` may hold any of the bytes the store's manifest escapes (tab, line feed,
    /// carriage return, '%', '&', '='): false means none is there; true may also be said of a
    /// value holding another byte below 14 (the caller then looks byte by byte). Eight bytes are
    /// tested at a time, as a word (a table lookup a byte took a tenth of the commit of 20,000
    /// responses, whose source lines are 8 MB; Swift's SIMD compares with a scalar went lane by
    /// lane). Words are loaded only at offsets i with i + 8 <= count; the rest is read byte by byte.
    package static func mayHoldManifestEscapes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let p = bytes.baseAddress else { return false }
        let n = bytes.count
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        /// The high bit of each byte of `w` below `limit` (<= 128) set, and maybe of a byte above
        /// such a byte (the borrow): nonzero exactly when some byte is below `limit`.
        @inline(__always) func below(_ w: UInt64, _ limit: UInt64) -> UInt64 { (w &- limit &* ones) & ~w & highs }
        var i = 0
        while i + 8 <= n {
            let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // Control bytes below 14 (tab, line feed, carriage return among them); a byte equal to c is
            // one below 1 after XOR with c in every byte.
            if below(w, 14) | below(w ^ (37 &* ones), 1) | below(w ^ (38 &* ones), 1) | below(w ^ (61 &* ones), 1) != 0 { return true }
            i += 8
        }
        while i < n {
            switch p.load(fromByteOffset: i, as: UInt8.self) {
            case 9, 10, 13, 37, 38, 61: return true
            default: i += 1
            }
        }
        return false
    }
}
