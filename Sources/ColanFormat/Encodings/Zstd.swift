import CZstd
import ColanSupport

/// The one file that calls libzstd.
package enum Zstd {
    /// Compresses `input` at `level`. Level 1, not zstd's default 3: on the
    /// 10M-row history the store grew 0.35% (53.33 -> 53.52 MB) and the
    /// import's store phase took an eighth less time (docs/DECISIONS.md).
    package static func compress(_ input: UnsafeRawBufferPointer, level: Int32 = 1) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        let context = contexts.take()
        defer { contexts.give(context) }
        var failed = false
        // Not zeroed first: zstd writes what it returns.
        let out = [UInt8](unsafeUninitializedCapacity: bound) { dst, count in
            let written = ZSTD_compressCCtx(context, dst.baseAddress, bound, input.baseAddress, input.count, level)
            failed = ZSTD_isError(written) != 0
            count = failed ? 0 : written
        }
        // Compressing into a buffer of compressBound bytes cannot fail; keep the raw bytes if it somehow does.
        return failed ? Array(input) : out
    }

    /// Compression contexts, reused: `ZSTD_compress` allocates and clears a
    /// context of hundreds of kilobytes per call, more than compressing a chunk costs.
    private static let contexts = ContextPool()

    private final class ContextPool: @unchecked Sendable {
        private var idle: [OpaquePointer] = []
        private let lock = PThreadMutex()

        func take() -> OpaquePointer {
            if let context = lock.withLock({ idle.popLast() }) { return context }
            guard let context = ZSTD_createCCtx() else { fatalError("zstd: out of memory for a compression context") }
            return context
        }

        func give(_ context: OpaquePointer) { lock.withLock { idle.append(context) } }
    }

    /// The magic number every zstd frame starts with (little-endian 0xFD2FB528).
    package static let frameMagic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]

    /// Compresses `input` as one self-describing zstd frame: its content size and an XXH64
    /// checksum of the content in the frame, so `expandFrame` (and the `zstd` tool) can
    /// verify it. For the raw responses the store keeps (`RawResponses`).
    package static func compressFrame(_ input: UnsafeRawBufferPointer, level: Int32 = 9) -> [UInt8] {
        guard let context = ZSTD_createCCtx() else { fatalError("zstd: out of memory for a compression context") }
        defer { ZSTD_freeCCtx(context) }
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
        ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 1)
        let bound = ZSTD_compressBound(input.count)
        var failed = false
        let out = [UInt8](unsafeUninitializedCapacity: bound) { dst, count in
            let written = ZSTD_compress2(context, dst.baseAddress, bound, input.baseAddress, input.count)
            failed = ZSTD_isError(written) != 0
            count = failed ? 0 : written
        }
        precondition(!failed, "zstd: compressing into compressBound bytes failed")
        return out
    }

    /// Expands one whole zstd frame (`compressFrame`), checking its checksum when it has one.
    /// - Throws: a `ColanError` for a frame without a content size, larger than `limit`,
    ///   truncated, corrupt, or whose checksum differs.
    package static func expandFrame(_ input: UnsafeRawBufferPointer, limit: Int = 1 << 34) throws -> [UInt8] {
        let size = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        if size == ZSTD_CONTENTSIZE_ERROR {
            throw ColanError(.format, "not a zstd frame, or a truncated one")
        }
        guard size != ZSTD_CONTENTSIZE_UNKNOWN else {
            throw ColanError(.format, "zstd frame without a content size (colan writes one)")
        }
        guard size <= UInt64(limit) else { throw ColanError(.format, "zstd frame expands to \(size) bytes, more than \(limit)") }
        let frame = ZSTD_findFrameCompressedSize(input.baseAddress, input.count)
        if ZSTD_isError(frame) != 0 {
            throw ColanError(.format, "zstd frame is corrupt: \(String(cString: ZSTD_getErrorName(frame)))")
        }
        guard frame == input.count else {
            throw ColanError(.format, "\(input.count - frame) bytes after the zstd frame")
        }
        return try decompress(input, rawCount: Int(size))
    }

    /// Decompresses one frame that must expand to exactly `rawCount` bytes.
    static func decompress(_ input: UnsafeRawBufferPointer, rawCount: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rawCount)
        let written = out.withUnsafeMutableBytes { dst in
            ZSTD_decompress(dst.baseAddress, rawCount, input.baseAddress, input.count)
        }
        if ZSTD_isError(written) != 0 {
            let name = String(cString: ZSTD_getErrorName(written))
            throw ColanError(.format, "zstd frame is corrupt: \(name)")
        }
        guard written == rawCount else {
            throw ColanError(.format, "zstd frame is corrupt: expanded to \(written) bytes, expected \(rawCount)")
        }
        return out
    }
}

/// A byte section that may be zstd-compressed: `[u8 codec][u32 raw length][u32 stored length][bytes]`.
///
/// Used for the cold parts of a chunk (string dictionaries, plain strings,
/// float bytes). Codec 0 is raw, 1 is zstd.
enum Blob {
    /// Writes `raw` compressed when `allowZstd` and zstd saves at least an eighth.
    static func write(_ raw: [UInt8], allowZstd: Bool, into w: inout ByteWriter) -> Bool {
        var stored = raw
        var codec: UInt8 = 0
        if allowZstd, raw.count >= 64 {
            let packed = raw.withUnsafeBytes { Zstd.compress($0) }
            if packed.count <= raw.count - raw.count / 8 {
                stored = packed
                codec = 1
            }
        }
        w.u8(codec)
        w.u32(UInt32(raw.count))
        w.u32(UInt32(stored.count))
        w.raw(stored)
        return codec == 1
    }

    /// Reads a section written by `write`, expanding it when compressed.
    static func read(_ r: inout ByteReader, rawLimit: Int) throws -> [UInt8] {
        let codec = try r.u8()
        let rawCount = try r.count(limit: rawLimit)
        let storedCount = try r.count(limit: r.remaining)
        let stored = try r.bytes(storedCount)
        switch codec {
        case 0:
            guard storedCount == rawCount else { throw ColanError(.format, "raw section length \(storedCount) differs from \(rawCount)") }
            return Array(stored)
        case 1:
            return try Zstd.decompress(stored, rawCount: rawCount)
        default:
            throw ColanError(.format, "unknown section codec \(codec)")
        }
    }
}
