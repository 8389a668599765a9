import ColanCore
import Foundation
import Testing

@Suite struct SegmentCorruptionTests {
    /// Writes a small multi-row-group segment and returns its bytes.
    func sampleBytes() -> [UInt8] {
        SegmentWriter.encode(RandomTables.make(rows: 600, seed: 42), rowGroupSize: 256)
    }

    /// Opens `bytes` as a file and decodes every chunk; returns the error, if any.
    func openAndVerify(_ bytes: [UInt8], in dir: URL) -> ColanError? {
        let path = dir.appendingPathComponent("c.colan").path
        do {
            try FileIO.write(bytes, to: path)
            try SegmentReader(path: path).verify()
            return nil
        } catch let error as ColanError {
            return error
        } catch {
            return ColanError(.format, "unexpected error type \(error)")
        }
    }

    @Test func flippingAByteAnywhereIsDetected() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = sampleBytes()
        #expect(openAndVerify(original, in: dir) == nil)
        var rng = SeededRandom(seed: 7)
        // Every byte of the header, trailer and footer end; a random sample elsewhere.
        var positions = Set(0..<16)
        positions.formUnion((original.count - 400)..<original.count)
        for _ in 0..<1500 { positions.insert(Int.random(in: 0..<original.count, using: &rng)) }
        for position in positions.sorted() {
            var bytes = original
            bytes[position] ^= UInt8.random(in: 1...255, using: &rng)
            let error = openAndVerify(bytes, in: dir)
            #expect(error != nil, "flip at \(position) of \(original.count) was not detected")
            #expect(error?.file?.hasSuffix("c.colan") == true, "error at \(position) does not name the file")
        }
    }

    @Test func corruptChunkErrorNamesRowGroupAndColumn() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var bytes = sampleBytes()
        let path = dir.appendingPathComponent("ok.colan").path
        try FileIO.write(bytes, to: path)
        let chunk = try SegmentReader(path: path).footer.rowGroups[1].chunks[2]
        bytes[chunk.offset + chunk.length / 2] ^= 0x40
        let error = openAndVerify(bytes, in: dir)
        #expect(error?.location == "row group 1, column 'small'")
        #expect(error?.message.contains("checksum mismatch") == true)
    }

    @Test func truncationAtAnyLengthIsDetected() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = sampleBytes()
        var lengths = Set(0..<64)
        lengths.formUnion(stride(from: 0, to: original.count, by: 97))
        lengths.formUnion((original.count - 64)..<original.count)
        for length in lengths.sorted() {
            let error = openAndVerify(Array(original[..<length]), in: dir)
            #expect(error != nil, "truncation to \(length) bytes was not detected")
        }
    }

    @Test func appendedBytesAreDetected() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(openAndVerify(sampleBytes() + [0, 1, 2], in: dir) != nil)
    }

    @Test func newerFormatVersionIsRefusedWithAClearMessage() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var bytes = SegmentWriter.encode(RandomTables.make(rows: 10, seed: 1))
        // Rewrite as version 2 with a valid checksum, as a future colan would.
        let version: UInt16 = SegmentLayout.version + 1
        let n = bytes.count
        let footerLength = Int(bytes[n - 16]) | Int(bytes[n - 15]) << 8 | Int(bytes[n - 14]) << 16 | Int(bytes[n - 13]) << 24
        let footer = Array(bytes[(n - 24 - footerLength)..<(n - 24)])
        let checksum = footer.withUnsafeBytes { Checksum.xxh64($0, seed: UInt64(version)) }
        for i in 0..<8 { bytes[n - 24 + i] = UInt8(truncatingIfNeeded: checksum >> (8 * UInt64(i))) }
        bytes[n - 12] = UInt8(version & 0xFF); bytes[n - 11] = UInt8(version >> 8)
        bytes[8] = UInt8(version & 0xFF); bytes[9] = UInt8(version >> 8)
        let error = openAndVerify(bytes, in: dir)
        #expect(error?.message == "written in colan format version 2; this colan reads versions up to 1")
        #expect(error?.hint == "upgrade colan to read it")
    }

    @Test func randomBytesAreRefused() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededRandom(seed: 99)
        for length in [0, 1, 23, 40, 41, 1000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(openAndVerify(bytes, in: dir) != nil)
            // Random bytes between a valid header and a valid-looking trailer magic.
            let framed = Array("COLANSEG".utf8) + bytes + Array("COLANEND".utf8)
            #expect(openAndVerify(framed, in: dir) != nil)
        }
    }
}
