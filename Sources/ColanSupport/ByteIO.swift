/// A growable little-endian byte buffer for building chunk bodies and footers.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// Creates an empty writer, reserving `capacity` bytes.
    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// Number of bytes written.
    public var count: Int { bytes.count }

    /// Appends one byte.
    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    /// Appends a little-endian UInt16.
    public mutating func u16(_ v: UInt16) { append(v.littleEndian) }
    /// Appends a little-endian UInt32.
    public mutating func u32(_ v: UInt32) { append(v.littleEndian) }
    /// Appends a little-endian UInt64.
    public mutating func u64(_ v: UInt64) { append(v.littleEndian) }
    /// Appends a little-endian Int64.
    public mutating func i64(_ v: Int64) { append(v.littleEndian) }
    /// Appends the IEEE 754 bits of a Double.
    public mutating func f64(_ v: Double) { u64(v.bitPattern) }

    /// Appends a string as a UInt32 byte length followed by its UTF-8 bytes.
    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            u32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// Appends raw bytes.
    public mutating func raw(_ other: UnsafeRawBufferPointer) { bytes.append(contentsOf: other) }
    /// Appends raw bytes.
    public mutating func raw(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    /// Appends `count` zero bytes and lets `fill` write into them in place.
    public mutating func appendZeroed(_ count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count))
        bytes.withUnsafeMutableBytes { fill(UnsafeMutableRawBufferPointer(rebasing: $0[start..<(start + count)])) }
    }


    private mutating func append<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }
}

/// A bounds-checked little-endian reader over bytes that may be truncated or
/// corrupt: every read that would run past the end throws instead of trapping.
public struct ByteReader {
    /// The bytes being read.
    public let buffer: UnsafeRawBufferPointer
    /// Offset of the next byte to read.
    public var offset: Int = 0
    /// Describes what is being read, for error messages ("footer", "chunk body").
    public let what: String

    /// Creates a reader over `buffer`; `what` names it in error messages.
    public init(_ buffer: UnsafeRawBufferPointer, what: String) {
        self.buffer = buffer
        self.what = what
    }

    /// Bytes left to read.
    public var remaining: Int { buffer.count - offset }

    /// Throws unless `n` more bytes can be read.
    public func need(_ n: Int) throws {
        guard n >= 0, n <= remaining else {
            throw ColanError(.format, "\(what) is truncated or corrupt: needs \(n) bytes at offset \(offset), has \(max(remaining, 0))")
        }
    }

    /// Reads one byte.
    public mutating func u8() throws -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return buffer[offset]
    }
    /// Reads a little-endian UInt16.
    public mutating func u16() throws -> UInt16 { try load(UInt16.self) }
    /// Reads a little-endian UInt32.
    public mutating func u32() throws -> UInt32 { try load(UInt32.self) }
    /// Reads a little-endian UInt64.
    public mutating func u64() throws -> UInt64 { try load(UInt64.self) }
    /// Reads a little-endian Int64.
    public mutating func i64() throws -> Int64 { try load(Int64.self) }
    /// Reads a Double from its IEEE 754 bits.
    public mutating func f64() throws -> Double { Double(bitPattern: try u64()) }

    /// Reads a UInt32 that must be a count or length no larger than `limit`.
    public mutating func count(limit: Int) throws -> Int {
        let n = Int(try u32())
        guard n <= limit else {
            throw ColanError(.format, "\(what) is corrupt: count \(n) at offset \(offset - 4) exceeds \(limit)")
        }
        return n
    }

    /// Reads a length-prefixed UTF-8 string, rejecting invalid UTF-8.
    public mutating func string() throws -> String {
        let n = try count(limit: remaining)
        let slice = try bytes(n)
        guard let s = UTF8Text.string(slice) else {
            throw ColanError(.format, "\(what) is corrupt: invalid UTF-8 in a string at offset \(offset - n)")
        }
        return s
    }

    /// Returns the next `n` bytes without copying them.
    public mutating func bytes(_ n: Int) throws -> UnsafeRawBufferPointer {
        try need(n)
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + n)])
    }

    private mutating func load<T: FixedWidthInteger>(_: T.Type) throws -> T {
        try need(MemoryLayout<T>.size)
        defer { offset += MemoryLayout<T>.size }
        return T(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
