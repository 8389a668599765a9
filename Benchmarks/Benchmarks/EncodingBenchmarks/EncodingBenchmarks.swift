import Benchmark
import ColanCore
@_spi(Benchmarks) import ColanFormat

// Encode and decode speed of each encoding, on 65,536-value streams (one
// row group) shaped like report columns. Throughput is values per second:
// each iteration handles `streamLength` values, reported via scalingFactor.

let streamLength = 65_536

/// Deterministic data without Foundation.
struct Lcg {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 11
    }
}

func uniform(bits: Int, seed: UInt64) -> [Int64] {
    var g = Lcg(state: seed)
    let mask: UInt64 = bits == 64 ? .max : (1 << UInt64(bits)) - 1
    return (0..<streamLength).map { _ in Int64(bitPattern: (g.next() ^ (g.next() << 40)) & mask) }
}

/// Column shapes named after the report data they stand for.
// Names are shell-safe identifiers: package-benchmark finds a benchmark's
// checked-in threshold file (Thresholds/) by its name.
let integerShapes: [(String, [Int64], Double?)] = [
    ("bitpack_w3_deviceType_codes", uniform(bits: 3, seed: 1), nil),
    ("bitpack_w6_sessions", uniform(bits: 6, seed: 2), nil),
    ("bitpack_w11_contentId_codes", uniform(bits: 11, seed: 3), nil),
    ("bitpack_w14_minutes", uniform(bits: 14, seed: 4), nil),
    ("bitpack_w32", uniform(bits: 32, seed: 5), nil),
    ("rle_sorted_channel_codes", (0..<streamLength).map { Int64($0 / 1500) }, nil),
    ("delta_timestamps", (0..<streamLength).map { 1_704_067_200 + Int64($0) * 60 + Int64($0 % 7) }, nil),
    ("const", [Int64](repeating: 42, count: streamLength), nil),
    ("zstd_bytes1_skewed_sessions", {
        var g = Lcg(state: 9)
        return (0..<streamLength).map { _ in
            let u = Double(g.next() % 1_000_000) / 1_000_000
            return Int64(1 + 40 * u * u * u * u)
        }
    }(), 0.05),
    ("zstd_bytes2_skewed_minutes", {
        var g = Lcg(state: 10)
        return (0..<streamLength).map { _ in
            let u = Double(g.next() % 1_000_000) / 1_000_000
            return Int64((1 + 40 * u * u * u * u) * (4 + 50 * u * u))
        }
    }(), 0.05),
]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        timeUnits: .microseconds,
        warmupIterations: 3,
        scalingFactor: .one,
        maxDuration: .seconds(2),
        maxIterations: 2000,
        // Shared machines are noisy (the same 10-us loop measured 10 and 20 us minutes apart): a regression is p90 wall
        // clock 2.5 times the checked-in figure, or any new allocation.
        thresholds: [.wallClock: .init(relative: [.p90: 150.0]), .mallocCountTotal: .init(absolute: [.p90: 0])]
    )

    for (name, values, zstd) in integerShapes {
        let (bytes, _) = StreamCodec.encodeIntegers(values, zstdSaving: zstd)
        let out = AlignedBuffer<Int64>(count: streamLength)
        Benchmark("decode_\(name)_x64k") { benchmark in
            for _ in benchmark.scaledIterations {
                try StreamCodec.decodeIntegers(bytes, count: streamLength, into: out)
                blackHole(out.pointer[streamLength - 1])
            }
        }
        Benchmark("encode_\(name)_x64k") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(StreamCodec.encodeIntegers(values, zstdSaving: zstd).bytes.count)
            }
        }
    }

    let devices = ["Roku", "Smart TV", "Mobile Phone", "Desktop", "Tablet", "TV", "Media Player", "Others"]
    var g = Lcg(state: 11)
    let strings = (0..<streamLength).map { _ in devices[Int(g.next() % 8)] }
    let encodedStrings = StreamCodec.encodeStrings(strings)
    Benchmark("decode_dictionary_strings_x64k") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try StreamCodec.decodeStrings(encodedStrings.bytes, count: streamLength).codes.pointer[0])
        }
    }
    Benchmark("encode_dictionary_strings_x64k") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(StreamCodec.encodeStrings(strings).bytes.count) }
    }

    let floats = (0..<streamLength).map { Double($0 % 5000) / 100 }
    let encodedFloats = StreamCodec.encodeFloats(floats)
    Benchmark("decode_floats_x64k") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try StreamCodec.decodeFloats(encodedFloats.bytes, count: streamLength).pointer[0])
        }
    }
    Benchmark("encode_floats_x64k") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(StreamCodec.encodeFloats(floats).bytes.count) }
    }
}
