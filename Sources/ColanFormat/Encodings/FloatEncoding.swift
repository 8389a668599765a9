import ColanSupport
import ColanColumns

/// Encodings of a float64 sequence.
///
///     plain            [32][u32 n][blob: n x 8 bytes little-endian]
///     byteStreamSplit  [33][u32 n][blob: byte 0 of every value, then byte 1, ... byte 7]
///
/// Byte-stream-split groups the sign/exponent bytes together so zstd finds
/// their repeats; the encoder keeps whichever of the two is smaller. Values
/// round-trip bit-exactly (NaN payloads, -0.0, infinities).
enum FloatEncoder {
    static let plainTag: UInt8 = 32
    static let byteStreamSplitTag: UInt8 = 33

    /// Writes `values`; returns the description and whether zstd was used.
    static func encode(_ values: ArraySlice<Double>, allowZstd: Bool, into w: inout ByteWriter) -> (String, Bool) {
        let n = values.count
        var plain = ByteWriter(capacity: 8 * n)
        for v in values { plain.f64(v) }
        var split = [UInt8](repeating: 0, count: 8 * n)
        for (i, v) in values.enumerated() {
            let bits = v.bitPattern
            for b in 0..<8 { split[b * n + i] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(b))) }
        }
        var a = ByteWriter()
        let za = Blob.write(plain.bytes, allowZstd: allowZstd, into: &a)
        var b = ByteWriter()
        let zb = Blob.write(split, allowZstd: allowZstd, into: &b)
        // Byte-stream-split only helps when compressed; prefer plain unless it wins.
        let useSplit = zb && b.count < a.count
        w.u8(useSplit ? byteStreamSplitTag : plainTag)
        w.u32(UInt32(n))
        w.raw(useSplit ? b.bytes : a.bytes)
        if useSplit { return ("byte-stream-split+zstd", true) }
        return (za ? "plain+zstd" : "plain", za)
    }
}

/// Decodes float streams written by `FloatEncoder`.
enum FloatDecoder {
    /// Decodes exactly `count` values into a new buffer.
    static func decode(_ r: inout ByteReader, count: Int) throws -> AlignedBuffer<Double> {
        let tag = try r.u8()
        let n = Int(try r.u32())
        guard n == count else { throw ColanError(.format, "float stream holds \(n) values, expected \(count)") }
        let blob = try Blob.read(&r, rawLimit: 8 * n)
        guard blob.count == 8 * n else { throw ColanError(.format, "float stream has \(blob.count) bytes for \(n) values") }
        let out = AlignedBuffer<Double>(count: n)
        switch tag {
        case plainTag:
            blob.withUnsafeBytes { raw in
                for i in 0..<n { out.pointer[i] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) }
            }
        case byteStreamSplitTag:
            for i in 0..<n {
                var bits: UInt64 = 0
                for b in 0..<8 { bits |= UInt64(blob[b * n + i]) << (8 * UInt64(b)) }
                out.pointer[i] = Double(bitPattern: bits)
            }
        default:
            throw ColanError(.format, "unknown float encoding \(tag)")
        }
        return out
    }

    private static let plainTag = FloatEncoder.plainTag
    private static let byteStreamSplitTag = FloatEncoder.byteStreamSplitTag
}
