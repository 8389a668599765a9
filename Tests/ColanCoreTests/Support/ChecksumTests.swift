import ColanCore
import Testing

@Suite struct ChecksumTests {
    @Test func xxh64MatchesTheReferenceVectors() {
        // From the xxHash reference implementation (XXH64, seed 0).
        #expect([UInt8]().withUnsafeBytes { Checksum.xxh64($0) } == 0xEF46_DB37_51D8_E999)
        #expect(Array("a".utf8).withUnsafeBytes { Checksum.xxh64($0) } == 0xD24E_C4F1_A98C_6E5B)
        #expect(Array("abc".utf8).withUnsafeBytes { Checksum.xxh64($0) } == 0x44BC_2CF5_AD77_0999)
    }

    @Test func xxh3x128MatchesTheReferenceVector() {
        // XXH3-128 of no bytes (seed 0), from the xxHash reference implementation.
        let (low, high) = [UInt8]().withUnsafeBytes { Checksum.xxh3x128($0) }
        #expect(high == 0x99AA_06D3_0147_98D8 && low == 0x6001_C324_468D_497F)
    }

    @Test func contentHashesAreTheXXH3DigestsInHex() {
        // As Python's xxhash (an independent binding of the reference code) writes them:
        // xxhash.xxh3_128_hexdigest(data); whole and streamed, the same text.
        let cases: [([UInt8], String)] = [
            ([], "99aa06d3014798d86001c324468d497f"),
            (Array("colan".utf8), "44b751d835c3974b7d7c3c2e519f6f86"),
            (Array(repeating: Array(0...255), count: 13).flatMap { $0 }, "f0e450c1cae39b3292dd5156663b8227"),
        ]
        for (bytes, digest) in cases {
            #expect(bytes.withUnsafeBytes { contentHash($0) } == "x3-" + digest)
            let hasher = ContentHasher(legacy: false)
            bytes.withUnsafeBytes { all in
                hasher.update(UnsafeRawBufferPointer(rebasing: all[..<(all.count / 3)]))
                hasher.update(UnsafeRawBufferPointer(rebasing: all[(all.count / 3)...]))
            }
            #expect(hasher.finish().hash == "x3-" + digest)
        }
    }

    @Test func aPairOfSeedsInOnePassEqualsTwoPasses() {
        // Every tail length around the 32-byte stripes, and a longer input.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<1000).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        for n in Array(0...100) + [1000] {
            bytes[..<n].withUnsafeBytes { b in
                let (first, second) = Checksum.xxh64Pair(b, seeds: 1, 2)
                #expect(first == Checksum.xxh64(b, seed: 1), "length \(n)")
                #expect(second == Checksum.xxh64(b, seed: 2), "length \(n)")
            }
        }
    }
}
