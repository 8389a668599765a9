#if canImport(Glibc)
import Glibc
#endif
import CXXHash

/// A mutable value shared by reference.
package final class Box<Value> {
    package var value: Value
    package init(_ value: Value) { self.value = value }
}

/// A file's content hash as the manifest records it: "x3-" and XXH3-128 in
/// 32 hex digits, high half first (docs/STORE.md).
package func contentHash(_ bytes: UnsafeRawBufferPointer) -> String {
    let (low, high) = Checksum.xxh3x128(bytes)
    return contentHashText(high: high, low: low)
}

/// "x3-" and the two halves in 16 lowercase hex digits each, written into the String's own
/// storage (formatting each half with `String(_:radix:)` and joining the pieces took twice as
/// long as hashing a 3 KB response).
private func contentHashText(high: UInt64, low: UInt64) -> String {
    String(unsafeUninitializedCapacity: 35) { out in
        out[0] = UInt8(ascii: "x")
        out[1] = UInt8(ascii: "3")
        out[2] = UInt8(ascii: "-")
        func put(_ value: UInt64, at start: Int) {
            for i in 0..<16 {
                let nibble = UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * i)) & 15
                out[start + i] = nibble < 10 ? 48 + nibble : 87 + nibble  // '0'-'9', 'a'-'f'
            }
        }
        put(high, at: 3)
        put(low, at: 19)
        return 35
    }
}

/// The content hash stores recorded before XXH3: XXH64 with seeds 1 and 2, in hex.
/// Computed only when the target store still lists such hashes
/// (`ImportOptions.legacyContentHashes`), so files imported then are still recognised.
package func legacyContentHash(_ bytes: UnsafeRawBufferPointer) -> String {
    let (low, high) = Checksum.xxh64Pair(bytes, seeds: 1, 2)
    return String(low, radix: 16) + "-" + String(high, radix: 16)
}

/// `contentHash` (and `legacyContentHash` when asked) of bytes given in order, piece by
/// piece: a file hashed as it is read, never held whole.
package final class ContentHasher {
    private let state: UnsafeMutableRawPointer
    private let older: (UnsafeMutableRawPointer, UnsafeMutableRawPointer)?
    private var ended = false
    /// Bytes hashed so far.
    package private(set) var count = 0

    /// A hasher of the content hash, and of the pre-XXH3 one when `legacy`.
    package init(legacy: Bool) {
        // The states are a few hundred bytes each: allocation failing here is the process failing.
        state = colan_xxh3_128_begin()!
        older = legacy ? (colan_xxh64_begin(1)!, colan_xxh64_begin(2)!) : nil
    }

    deinit { if !ended { _ = finish() } }

    /// Hashes the next bytes.
    package func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!ended, "update after finish")
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        colan_xxh3_128_update(state, base, bytes.count)
        if let older {
            colan_xxh64_update(older.0, base, bytes.count)
            colan_xxh64_update(older.1, base, bytes.count)
        }
        count += bytes.count
    }

    /// The hashes of every byte given (the hasher cannot be used after).
    package func finish() -> (hash: String, legacy: String?) {
        precondition(!ended, "finish twice")
        ended = true
        var low: UInt64 = 0, high: UInt64 = 0
        colan_xxh3_128_end(state, &low, &high)
        let legacy = older.map { String(colan_xxh64_end($0.0), radix: 16) + "-" + String(colan_xxh64_end($0.1), radix: 16) }
        return (contentHashText(high: high, low: low), legacy)
    }
}

/// `contentHash` (and `legacyContentHash` when `legacy`) of the file at `path`, read in blocks
/// into one buffer: a file of any size is hashed in a few megabytes of memory, and without
/// mapping (and so faulting in) its pages.
/// - Throws: a `ColanError` naming the file when it cannot be read.
package func contentHashes(ofFileAt path: String, legacy: Bool) throws -> (hash: String, legacy: String?) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw ColanError(.importing, "cannot open: \(FileIO.errnoText())", file: path) }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 4 << 20)
    let hasher = ContentHasher(legacy: legacy)
    while true {
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(hasher.count)) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { throw ColanError(.importing, "cannot read: \(FileIO.errnoText())", file: path, location: "byte \(hasher.count)") }
        guard n > 0 else { break }
        buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
    }
    return hasher.finish()
}

/// Whether a recorded content hash is the pre-XXH3 kind.
package func isLegacyContentHash(_ hash: String) -> Bool { !hash.hasPrefix("x3-") }
