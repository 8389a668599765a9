#if canImport(Glibc)
import Glibc
#endif

/// The row loop for the usual JSON report: an array of flat objects that
/// list the same fields in the same order, whose columns have settled into
/// text and non-negative integers. It reads whole rows and takes the same
/// values, in the same order, as the general loop
/// (`JSONReportReader.readRows`), which it hands any row it cannot take.
///
/// Per row it checks each field name against the expected column's name
/// bytes, and writes values to a column-major scratch block appended to the
/// builders a block at a time: no closure call, scalar enum or builder append
/// per field.
///
/// Unsafe pointer code. Invariants:
/// - every load is at an offset below `end` (checked before each byte read);
/// - the scratch blocks hold `columns.count * B` values (B: `blockRows`, or
///   fewer when the bytes left cannot hold that many rows); row `r` of column
///   `c` is at `c * B + r`, and `r < B` (a full block is flushed before the
///   next row);
/// - a row is consumed entirely (with the ',' or ']' after it) or not at all:
///   on anything else (another field order, a missing or extra field, a
///   value of another kind, an escape, a non-ASCII string, whitespace or
///   syntax the kernel does not expect) it stops at the row's first byte,
///   with the rows before it flushed, and the general loop reads that row
///   (and reports any error). Dictionary values met in the abandoned row are
///   ones the general loop adds again in the same order.
enum JSONRowKernel {
    /// Rows per scratch block.
    static let blockRows = 512

    /// Reads rows from the scanner's position (the start of an array element)
    /// until a row it cannot take, or the end of the array (then the ']' is
    /// consumed and `ended` is true). Every column must be present in every
    /// row, in the order of `columns`; reads nothing unless every column's
    /// shortcut is `.text` or `.int`. `names` holds each column's `nameUTF8`. Appends each
    /// row's offset (its '{') to `offsets`. Stops before a row starting at or past `limit` (a
    /// window of a big array ends there).
    static func read(_ s: inout JSONScanner, into columns: inout [ColumnBuilder], names: [[UInt8]], rows: inout Int,
                     offsets: inout [Int], limit: Int = .max) -> (taken: Int, ended: Bool) {
        let n = columns.count
        guard n > 0, names.count == n, let base = s.bytes.baseAddress, let isText = KernelColumns.settledKinds(columns) else { return (0, false) }
        var dictionaries = KernelColumns.lend(&columns, isText)
        // A row takes at least its names, quotes, colons, one byte a value, separators and braces:
        // a small response needs a small block.
        let rowBytes = names.reduce(2) { $0 + $1.count + 4 }
        let B = min(blockRows, (s.bytes.count - s.position) / rowBytes + 1)
        let codes = UnsafeMutablePointer<UInt32>.allocate(capacity: n * B)
        let ints = UnsafeMutablePointer<Int64>.allocate(capacity: n * B)
        defer {
            codes.deallocate()
            ints.deallocate()
        }
        let end = s.bytes.count
        var p = s.position
        var done = 0, r = 0, ended = false

        func flush() {
            KernelColumns.append(r, codes: codes, ints: ints, stride: B, isText, to: &columns)
            done += r
            r = 0
        }

        @inline(__always) func byte(_ i: Int) -> UInt8 { base.load(fromByteOffset: i, as: UInt8.self) }
        @inline(__always) func skipSpace(_ i: inout Int) {
            while i < end {
                let b = byte(i)
                guard b == 32 || b == 10 || b == 13 || b == 9 else { return }
                i &+= 1
            }
        }

        isText.withUnsafeBufferPointer { isText in
            dictionaries.withUnsafeMutableBufferPointer { dictionaries in
                rows: while p < limit {
                    var q = p
                    skipSpace(&q)
                    guard q < end, byte(q) == 123 else { break rows }
                    let open = q
                    q &+= 1
                    for c in 0..<n {
                        // "name"
                        skipSpace(&q)
                        let name = names[c]
                        guard q &+ name.count &+ 2 <= end, byte(q) == 34, byte(q &+ 1 &+ name.count) == 34 else { break rows }
                        let same = name.withUnsafeBytes { own in
                            own.count == 0 || memcmp(own.baseAddress!, base + q + 1, own.count) == 0
                        }
                        guard same else { break rows }
                        q &+= name.count &+ 2
                        skipSpace(&q)
                        guard q < end, byte(q) == 58 else { break rows }
                        q &+= 1
                        skipSpace(&q)
                        guard q < end else { break rows }
                        if isText[c] {
                            // A string without escapes or control characters, in ASCII.
                            guard byte(q) == 34 else { break rows }
                            let start = q &+ 1
                            var e = start
                            while e < end {
                                let b = byte(e)
                                if b == 34 || b == 92 || b < 32 || b >= 128 { break }
                                e &+= 1
                            }
                            guard e < end, byte(e) == 34,
                                  let code = dictionaries[c].code(ofASCII: UnsafeRawBufferPointer(start: base + start, count: e &- start))
                            else { break rows }
                            codes[c &* B &+ r] = code
                            q = e &+ 1
                        } else {
                            // An integer of 1-18 digits, without a sign, fraction, exponent or leading zero.
                            var value: Int64 = 0
                            let start = q
                            while q < end {
                                let digit = byte(q) &- 48
                                guard digit <= 9 else { break }
                                value = value &* 10 &+ Int64(digit)
                                q &+= 1
                            }
                            let count = q &- start
                            guard count > 0, count <= 18, count == 1 || byte(start) != 48 else { break rows }
                            if q < end {
                                let b = byte(q)
                                guard b != 46 && b != 101 && b != 69 else { break rows }
                            }
                            ints[c &* B &+ r] = value
                        }
                        // ',' before the next field, '}' after the last.
                        skipSpace(&q)
                        guard q < end, byte(q) == (c == n &- 1 ? 125 : 44) else { break rows }
                        q &+= 1
                    }
                    // ',' before the next row, or ']' ending the array.
                    skipSpace(&q)
                    guard q < end else { break rows }
                    let separator = byte(q)
                    guard separator == 44 || separator == 93 else { break rows }
                    offsets.append(open)
                    p = q &+ 1
                    r &+= 1
                    if r == B { flush() }
                    if separator == 93 {
                        ended = true
                        break rows
                    }
                }
            }
        }
        flush()
        KernelColumns.giveBack(dictionaries, isText, to: &columns)
        rows += done
        s.position = p
        return (done, ended)
    }
}
