import ColanColumns

// Kernel file: unsafe pointer code lives here, with its invariants written down.
//
// Layout of one bit-packed block (256 values, width w bits each, w in 0...64):
//
//   value index v = 4 * r + l     (row r in 0..<64, lane l in 0..<4)
//   lane l is a stream of 64 * w bits; row r of lane l sits at bits [r*w, r*w + w)
//   word k of lane l is stored at UInt64 index 4 * k + l   (so a block is 4 * w words = 32 * w bytes)
//
//        word 0              word 1            ...   word w-1
//   +----+----+----+----+----+----+----+----+     +----+----+----+----+
//   | l0 | l1 | l2 | l3 | l0 | l1 | l2 | l3 | ... | l0 | l1 | l2 | l3 |
//   +----+----+----+----+----+----+----+----+     +----+----+----+----+
//
// Every row's four lanes share the same shift, so one row is one SIMD4<UInt64>
// load, shift, or, mask and store: the loop vectorizes across lanes without
// gathers. A switch calls the block loop with a literal width, so each width
// gets its own specialised copy with constant shifts and masks.
//
// Invariants the callers keep:
// - `input` points at `blockCount * 32 * width` readable bytes (checked against the
//   chunk length by the decoder before calling);
// - `out` points at `blockCount * 256` writable Int64 slots.

// Values in one bit-packed block (4 lanes of 64 rows): `bitPackBlockSize`, declared
// with `AlignedBuffer`, whose slack past the end is one such block.

/// Width-specialised packing and unpacking of 256-value blocks.
enum BitPacking {
    /// Bytes one block of `width`-bit values occupies.
    @inline(__always) static func blockBytes(width: Int) -> Int { 32 * width }

    /// Bits needed to hold `range` (0 for 0).
    @inline(__always) static func bitWidth(_ range: UInt64) -> Int { 64 - range.leadingZeroBitCount }

    /// Packs 256 values (already offset by the block's base, so each fits in
    /// `width` bits) into `out`, which must hold `32 * width` zeroed bytes.
    static func packBlock(_ input: UnsafePointer<UInt64>, _ out: UnsafeMutableRawPointer, width w: Int) {
        if w == 0 { return }
        for r in 0..<64 {
            let x = UnsafeRawPointer(input + 4 * r).loadUnaligned(as: SIMD4<UInt64>.self)
            let bit = r * w
            let k = bit >> 6
            let s = bit & 63
            let p = out + 32 * k
            p.storeBytes(of: p.loadUnaligned(as: SIMD4<UInt64>.self) | (x &<< UInt64(s)), as: SIMD4<UInt64>.self)
            if s + w > 64 {
                let q = out + 32 * (k + 1)
                q.storeBytes(of: q.loadUnaligned(as: SIMD4<UInt64>.self) | (x &>> UInt64(64 - s)), as: SIMD4<UInt64>.self)
            }
        }
    }

    /// Unpacks `blockCount` consecutive blocks, block b of width `widths[b]` and base
    /// `bases[b]`, into `out` (256 values per block).
    static func unpack(_ input: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int64>, blockCount: Int,
                       widths: UnsafePointer<UInt8>, bases: UnsafeRawPointer) {
        var input = input
        var out = out
        for b in 0..<blockCount {
            let w = Int(widths[b])
            let base = bases.loadUnaligned(fromByteOffset: 8 * b, as: Int64.self)
            unpackOne(input, out, width: w, base: base)
            input += 32 * w
            out += bitPackBlockSize
        }
    }

    /// Unpacks one block through the width-specialised copies.
    @inline(__always)
    static func unpackOne(_ input: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int64>, width: Int, base: Int64) {
        switch width {
        case 0:
            let b = SIMD4<Int64>(repeating: base)
            for r in 0..<64 { UnsafeMutableRawPointer(out + 4 * r).storeBytes(of: b, as: SIMD4<Int64>.self) }
        case 1: unpackBlock(input, out, width: 1, base: base)
        case 2: unpackBlock(input, out, width: 2, base: base)
        case 3: unpackBlock(input, out, width: 3, base: base)
        case 4: unpackBlock(input, out, width: 4, base: base)
        case 5: unpackBlock(input, out, width: 5, base: base)
        case 6: unpackBlock(input, out, width: 6, base: base)
        case 7: unpackBlock(input, out, width: 7, base: base)
        case 8: unpackBlock(input, out, width: 8, base: base)
        case 9: unpackBlock(input, out, width: 9, base: base)
        case 10: unpackBlock(input, out, width: 10, base: base)
        case 11: unpackBlock(input, out, width: 11, base: base)
        case 12: unpackBlock(input, out, width: 12, base: base)
        case 13: unpackBlock(input, out, width: 13, base: base)
        case 14: unpackBlock(input, out, width: 14, base: base)
        case 15: unpackBlock(input, out, width: 15, base: base)
        case 16: unpackBlock(input, out, width: 16, base: base)
        case 17: unpackBlock(input, out, width: 17, base: base)
        case 18: unpackBlock(input, out, width: 18, base: base)
        case 19: unpackBlock(input, out, width: 19, base: base)
        case 20: unpackBlock(input, out, width: 20, base: base)
        case 21: unpackBlock(input, out, width: 21, base: base)
        case 22: unpackBlock(input, out, width: 22, base: base)
        case 23: unpackBlock(input, out, width: 23, base: base)
        case 24: unpackBlock(input, out, width: 24, base: base)
        case 25: unpackBlock(input, out, width: 25, base: base)
        case 26: unpackBlock(input, out, width: 26, base: base)
        case 27: unpackBlock(input, out, width: 27, base: base)
        case 28: unpackBlock(input, out, width: 28, base: base)
        case 29: unpackBlock(input, out, width: 29, base: base)
        case 30: unpackBlock(input, out, width: 30, base: base)
        case 31: unpackBlock(input, out, width: 31, base: base)
        case 32: unpackBlock(input, out, width: 32, base: base)
        case 33: unpackBlock(input, out, width: 33, base: base)
        case 34: unpackBlock(input, out, width: 34, base: base)
        case 35: unpackBlock(input, out, width: 35, base: base)
        case 36: unpackBlock(input, out, width: 36, base: base)
        case 37: unpackBlock(input, out, width: 37, base: base)
        case 38: unpackBlock(input, out, width: 38, base: base)
        case 39: unpackBlock(input, out, width: 39, base: base)
        case 40: unpackBlock(input, out, width: 40, base: base)
        case 41: unpackBlock(input, out, width: 41, base: base)
        case 42: unpackBlock(input, out, width: 42, base: base)
        case 43: unpackBlock(input, out, width: 43, base: base)
        case 44: unpackBlock(input, out, width: 44, base: base)
        case 45: unpackBlock(input, out, width: 45, base: base)
        case 46: unpackBlock(input, out, width: 46, base: base)
        case 47: unpackBlock(input, out, width: 47, base: base)
        case 48: unpackBlock(input, out, width: 48, base: base)
        case 49: unpackBlock(input, out, width: 49, base: base)
        case 50: unpackBlock(input, out, width: 50, base: base)
        case 51: unpackBlock(input, out, width: 51, base: base)
        case 52: unpackBlock(input, out, width: 52, base: base)
        case 53: unpackBlock(input, out, width: 53, base: base)
        case 54: unpackBlock(input, out, width: 54, base: base)
        case 55: unpackBlock(input, out, width: 55, base: base)
        case 56: unpackBlock(input, out, width: 56, base: base)
        case 57: unpackBlock(input, out, width: 57, base: base)
        case 58: unpackBlock(input, out, width: 58, base: base)
        case 59: unpackBlock(input, out, width: 59, base: base)
        case 60: unpackBlock(input, out, width: 60, base: base)
        case 61: unpackBlock(input, out, width: 61, base: base)
        case 62: unpackBlock(input, out, width: 62, base: base)
        case 63: unpackBlock(input, out, width: 63, base: base)
        case 64: unpackBlock(input, out, width: 64, base: base)
        default: preconditionFailure("bit width above 64 must be rejected by the decoder")
        }
    }

    /// One block at a literal width: inlined into each `case` above so the
    /// shifts and the mask become constants.
    @inline(__always)
    static func unpackBlock(_ input: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int64>, width w: Int, base: Int64) {
        let mask = SIMD4<UInt64>(repeating: w == 64 ? ~0 : (1 << UInt64(w)) &- 1)
        let b = SIMD4<UInt64>(repeating: UInt64(bitPattern: base))
        for r in 0..<64 {
            let bit = r * w
            let k = bit >> 6
            let s = bit & 63
            var x = input.loadUnaligned(fromByteOffset: 32 * k, as: SIMD4<UInt64>.self) &>> UInt64(s)
            if s + w > 64 {
                x |= input.loadUnaligned(fromByteOffset: 32 * (k + 1), as: SIMD4<UInt64>.self) &<< UInt64(64 - s)
            }
            UnsafeMutableRawPointer(out + 4 * r).storeBytes(of: (x & mask) &+ b, as: SIMD4<UInt64>.self)
        }
    }
}
