import CXXHash

/// XXH64 (Yann Collet's xxHash, 64-bit variant), used for the per-chunk and
/// footer checksums of `.colan` files.
///
/// Chosen because it runs at memory speed on one core, so verifying every
/// chunk on read costs little next to decoding it. Implemented here (a few
/// dozen lines) rather than borrowed from zstd, whose copy is not public API.
public enum Checksum {
    private static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    @inline(__always) private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        var acc = acc &+ input &* p2
        acc = (acc << 31) | (acc >> 33)
        return acc &* p1
    }

    @inline(__always) private static func merge(_ acc: UInt64, _ val: UInt64) -> UInt64 {
        let acc = acc ^ round(0, val)
        return acc &* p1 &+ p4
    }

    /// The four lanes of a stripe loop folded into one hash (before the length is added).
    @inline(__always) private static func converge(_ v1: UInt64, _ v2: UInt64, _ v3: UInt64, _ v4: UInt64) -> UInt64 {
        var h = ((v1 << 1) | (v1 >> 63)) &+ ((v2 << 7) | (v2 >> 57)) &+ ((v3 << 12) | (v3 >> 52)) &+ ((v4 << 18) | (v4 >> 46))
        h = merge(h, v1)
        h = merge(h, v2)
        h = merge(h, v3)
        return merge(h, v4)
    }

    /// The XXH64 hash of `bytes` with seed 0.
    /// - Complexity: O(n), about one byte per cycle or better.
    public static func xxh64(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let n = bytes.count
        guard let base = bytes.baseAddress else { return finish(seed &+ p5, base: nil, offset: 0, count: 0) }
        var offset = 0
        var h: UInt64
        if n >= 32 {
            var v1 = seed &+ p1 &+ p2
            var v2 = seed &+ p2
            var v3 = seed
            var v4 = seed &- p1
            while offset + 32 <= n {
                v1 = round(v1, base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                v2 = round(v2, base.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
                v3 = round(v3, base.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self))
                v4 = round(v4, base.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self))
                offset += 32
            }
            h = converge(v1, v2, v3, v4)
        } else {
            h = seed &+ p5
        }
        h = h &+ UInt64(n)
        return finish(h, base: base, offset: offset, count: n)
    }

    /// XXH3-128 of `bytes` (seed 0), from Debian's libxxhash (header only):
    /// the file content hash. Its vector loop hashes several times faster than
    /// `xxh64Pair`, which imports spent 4-5% of their CPU in.
    public static func xxh3x128(_ bytes: UnsafeRawBufferPointer) -> (low: UInt64, high: UInt64) {
        var low: UInt64 = 0, high: UInt64 = 0
        colan_xxh3_128(bytes.baseAddress, bytes.count, &low, &high)
        return (low, high)
    }

    /// `(xxh64(bytes, seed: first), xxh64(bytes, seed: second))` in one pass
    /// over the bytes: the two hashes' lanes are independent, so the CPU runs
    /// them side by side (row keys; and the content hash stores recorded before XXH3).
    public static func xxh64Pair(_ bytes: UnsafeRawBufferPointer, seeds first: UInt64, _ second: UInt64) -> (UInt64, UInt64) {
        let n = bytes.count
        guard let base = bytes.baseAddress, n >= 32 else { return (xxh64(bytes, seed: first), xxh64(bytes, seed: second)) }
        var a1 = first &+ p1 &+ p2, a2 = first &+ p2, a3 = first, a4 = first &- p1
        var b1 = second &+ p1 &+ p2, b2 = second &+ p2, b3 = second, b4 = second &- p1
        var offset = 0
        while offset + 32 <= n {
            let k1 = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            let k2 = base.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)
            let k3 = base.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self)
            let k4 = base.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self)
            a1 = round(a1, k1); a2 = round(a2, k2); a3 = round(a3, k3); a4 = round(a4, k4)
            b1 = round(b1, k1); b2 = round(b2, k2); b3 = round(b3, k3); b4 = round(b4, k4)
            offset += 32
        }
        return (finish(converge(a1, a2, a3, a4) &+ UInt64(n), base: base, offset: offset, count: n),
                finish(converge(b1, b2, b3, b4) &+ UInt64(n), base: base, offset: offset, count: n))
    }

    private static func finish(_ hash: UInt64, base: UnsafeRawPointer?, offset: Int, count: Int) -> UInt64 {
        var h = hash
        var offset = offset
        if let base {
            while offset + 8 <= count {
                let k1 = round(0, base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                h ^= k1
                h = ((h << 27) | (h >> 37)) &* p1 &+ p4
                offset += 8
            }
            if offset + 4 <= count {
                h ^= UInt64(base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) &* p1
                h = ((h << 23) | (h >> 41)) &* p2 &+ p3
                offset += 4
            }
            while offset < count {
                h ^= UInt64(base.load(fromByteOffset: offset, as: UInt8.self)) &* p5
                h = ((h << 11) | (h >> 53)) &* p1
                offset += 1
            }
        }
        h ^= h >> 33
        h = h &* p2
        h ^= h >> 29
        h = h &* p3
        h ^= h >> 32
        return h
    }

    /// The XXH64 hash of a byte array.
    public static func xxh64(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { xxh64($0) }
    }
}
