/// A mutable value shared by reference.
package final class Box<Value> {
    package var value: Value
    package init(_ value: Value) { self.value = value }
}

/// A file's content hash as the manifest records it: "x3-" and XXH3-128 in
/// 32 hex digits, high half first (docs/STORE.md).
package func contentHash(_ bytes: UnsafeRawBufferPointer) -> String {
    let (low, high) = Checksum.xxh3x128(bytes)
    return "x3-" + hex16(high) + hex16(low)
}

/// The content hash stores recorded before XXH3: XXH64 with seeds 1 and 2, in hex.
/// Computed only when the target store still lists such hashes
/// (`ImportOptions.legacyContentHashes`), so files imported then are still recognised.
package func legacyContentHash(_ bytes: UnsafeRawBufferPointer) -> String {
    let (low, high) = Checksum.xxh64Pair(bytes, seeds: 1, 2)
    return String(low, radix: 16) + "-" + String(high, radix: 16)
}

/// Whether a recorded content hash is the pre-XXH3 kind.
package func isLegacyContentHash(_ hash: String) -> Bool { !hash.hasPrefix("x3-") }

/// `value` in 16 lowercase hex digits.
private func hex16(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}
