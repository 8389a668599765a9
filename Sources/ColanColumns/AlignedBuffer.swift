/// Values in one bit-packed block of the segment format (4 lanes of 64 rows): the block
/// decoders write whole blocks, so every `AlignedBuffer` has one block of slack past its end.
package let bitPackBlockSize = 256

/// The number of rows in one vector: the unit kernels loop over.
///
/// A power of two so that a vector of Int64 (16 KiB) stays in L1/L2 cache, and
/// a multiple of the bit-packing block so vectors never split a block.
public let vectorSize = 2048

/// A fixed-size buffer of trivial values aligned to 64 bytes (a cache line and
/// an AVX-512 register), owned by this object and freed with it.
///
/// Decoders write into these buffers once; kernels then loop over
/// `pointer` without copying or reference counting per element.
public final class AlignedBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    /// The first element. Valid for `count` elements while `self` is alive.
    public let pointer: UnsafeMutablePointer<Element>
    /// The number of elements.
    public let count: Int

    /// Allocates `count` zero-initialised elements, plus one bit-packing block
    /// of slack past the end: block decoders write whole 256-value blocks, so
    /// the last, partial block may spill into the slack (never past it).
    /// With `zeroed: false` the contents start undefined: for decoders that
    /// write every element before anything reads it (saves a pass over memory).
    public init(count: Int, zeroed: Bool = true) {
        precondition(count >= 0)
        self.count = count
        let capacity = count + bitPackBlockSize
        let bytes = capacity * MemoryLayout<Element>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        if zeroed { raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
        pointer = raw.bindMemory(to: Element.self, capacity: capacity)
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// The elements as a buffer pointer (valid while `self` is alive).
    public var buffer: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: pointer, count: count) }
}

extension AlignedBuffer {
    /// The elements of `range` as an array (bounds checked: `range` must lie in 0..<count).
    public func copy(_ range: Range<Int>) -> [Element] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range outside the buffer")
        return Array(UnsafeBufferPointer(start: pointer + range.lowerBound, count: range.count))
    }

    /// `table[Int(self[i])]` for each i of `range` (bounds checked: `range` in 0..<count, every code
    /// in `table`'s indices), for translating a chunk's codes through a lookup table.
    public func translate<T>(_ range: Range<Int>, through table: [T]) -> [T] where Element: BinaryInteger {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range outside the buffer")
        return range.map { table[Int(pointer[$0])] }
    }
}
