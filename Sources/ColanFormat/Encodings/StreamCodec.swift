import ColanSupport
import ColanColumns

/// Entry points to the stream encoders for the benchmarks (SPI `Benchmarks`: `@_spi(Benchmarks) import ColanCore`), which
/// measure one encoding at a time. Segments use them through the chunk layer.
@_spi(Benchmarks) public enum StreamCodec {
    /// Encodes integers as the segment writer would (smallest encoding;
    /// `zstdSaving` admits zstd-bytes when it saves that fraction).
    /// Returns the stream and its description ("bitpack", "rle(const,bitpack)", ...).
    public static func encodeIntegers(_ values: [Int64], zstdSaving: Double? = nil) -> (bytes: [UInt8], description: String) {
        var w = ByteWriter()
        let description = IntEncoder.encode(values, into: &w, zstdSaving: zstdSaving)
        return (w.bytes, description)
    }

    /// Decodes an integer stream of `count` values into `out` (which must hold at least `count`).
    public static func decodeIntegers(_ bytes: [UInt8], count: Int, into out: AlignedBuffer<Int64>) throws {
        precondition(out.count >= count)
        try bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw, what: "integer stream")
            try IntDecoder.decode(&r, count: count, into: out.pointer)
        }
    }

    /// Encodes strings as dictionary or plain, as the segment writer would.
    public static func encodeStrings(_ values: [String], zstd: Bool = true) -> (bytes: [UInt8], description: String) {
        var dictionary: [String] = []
        var index: [String: UInt32] = [:]
        let codes = values.map { s -> UInt32 in
            if let c = index[s] { return c }
            index[s] = UInt32(dictionary.count)
            dictionary.append(s)
            return UInt32(dictionary.count - 1)
        }
        var w = ByteWriter()
        let (description, _) = StringEncoder.encode(dictionary: dictionary, codes: codes[...], allowZstd: zstd,
                                                    codeZstdSaving: zstd ? 0.2 : nil, into: &w)
        return (w.bytes, description)
    }

    /// Decodes a string stream into its dictionary and codes.
    public static func decodeStrings(_ bytes: [UInt8], count: Int) throws -> (dictionary: [String], codes: AlignedBuffer<UInt32>) {
        try bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw, what: "string stream")
            return try StringDecoder.decode(&r, count: count)
        }
    }

    /// Encodes floats (plain or byte-stream-split, zstd where it pays).
    public static func encodeFloats(_ values: [Double], zstd: Bool = true) -> (bytes: [UInt8], description: String) {
        var w = ByteWriter()
        let (description, _) = FloatEncoder.encode(values[...], allowZstd: zstd, into: &w)
        return (w.bytes, description)
    }

    /// Decodes a float stream.
    public static func decodeFloats(_ bytes: [UInt8], count: Int) throws -> AlignedBuffer<Double> {
        try bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw, what: "float stream")
            return try FloatDecoder.decode(&r, count: count)
        }
    }
}
