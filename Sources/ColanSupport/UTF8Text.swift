/// Strings from bytes that must be UTF-8.
///
/// `String(validating:as:)` is generic over the encoding and, called from
/// non-inlinable code, looks up its specialization's metadata at run time on
/// every call: a cost per string that showed up in imports of many small
/// files and in reading string dictionaries. Report text is almost always
/// ASCII, which is valid UTF-8 as it is: checked eight bytes at a time, then
/// decoded without a second check. Anything else is validated in full.
public enum UTF8Text {
    /// The bytes as a String, or nil when they are not valid UTF-8.
    @inlinable @inline(__always)
    package static func string(_ bytes: UnsafeRawBufferPointer) -> String? {
        if isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The bytes as a String, or nil when they are not valid UTF-8.
    package static func string(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { string($0) }
    }

    /// Whether the bytes are valid UTF-8, without making a String of them.
    package static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        isASCII(bytes) || String(validating: bytes, as: UTF8.self) != nil
    }

    /// Whether every byte is below 0x80.
    @inlinable @inline(__always)
    package static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        var high: UInt64 = 0
        var i = 0
        while i &+ 8 <= n {
            high |= bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i &+= 8
        }
        while i < n {
            high |= UInt64(bytes[i])
            i &+= 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }
}
