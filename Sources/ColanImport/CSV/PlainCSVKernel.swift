/// The row loop for the usual CSV download: a plain file (no quote, no
/// carriage return; `CSVScanner.plain`) whose columns have settled into text
/// and non-negative integers. It reads whole rows at a time and takes the same
/// values, in the same order, as the general field loop
/// (`CSVReportReader.readRows`), which it hands any row it cannot take.
///
/// Two things make it faster than the field loop:
/// - A row is first compared with the one before it, eight bytes at a time.
///   Every field that ends (delimiter included) inside the shared prefix is
///   the same field, so its value is copied and never scanned or looked up:
///   reports list rows grouped by time and their first dimensions, so most of
///   a row's text is usually its predecessor's.
/// - Values go to a column-major scratch block of `blockRows` rows, appended to
///   the builders a block at a time, instead of one builder append (with its
///   uniqueness and capacity checks) per field.
///
/// Unsafe pointer code. Invariants:
/// - every load is within `bytes` (`0 ..< end`): word loads only where eight
///   bytes remain, the rest byte by byte;
/// - the scratch blocks hold `columns.count * blockRows` values; row `r` of
///   column `c` is at `c * blockRows + r`, and `r < blockRows` (a full block
///   is flushed before the next row);
/// - a row is consumed entirely or not at all: when a field is one the kernel
///   does not take, it stops at the row's first byte, with the rows before it
///   flushed, and the general loop reads that row (and reports any error).
///   Dictionary values met in the abandoned row are ones the general loop adds
///   again in the same order, so codes stay in order of first appearance.
enum PlainCSVKernel {
    /// Rows per scratch block: small enough that the block stays in L2.
    static let blockRows = 1024

    /// Reads rows from the scanner's position until the end of its bytes or a
    /// row it cannot take (a blank line, an empty or numeric-looking text
    /// field, an integer field that is not 1-18 digits, invalid UTF-8, a
    /// wrong field count). Returns the number of rows read; the scanner is
    /// left at the first row not read. Reads nothing unless the scanner is
    /// plain and every column's shortcut is `.text` or `.int`.
    static func read(_ scanner: inout CSVScanner, into columns: inout [ColumnBuilder], rows: inout Int, lines: inout RowLines) -> Int {
        let n = columns.count
        guard scanner.plain, n > 0, scanner.position < scanner.bytes.count, let base = scanner.bytes.baseAddress,
              let isText = KernelColumns.settledKinds(columns) else { return 0 }
        var dictionaries = KernelColumns.lend(&columns, isText)
        let B = blockRows
        let codes = UnsafeMutablePointer<UInt32>.allocate(capacity: n * B)
        let ints = UnsafeMutablePointer<Int64>.allocate(capacity: n * B)
        defer {
            codes.deallocate()
            ints.deallocate()
        }
        let firstLine = scanner.nextLine
        let end = scanner.bytes.count
        var p = scanner.position
        var done = 0, feeds = 0, r = 0

        func flush() {
            if done == 0, r == B {
                // The first full block tells the bytes a row takes: room for the rest of the file's
                // rows at that rate, plus an eighth, so the columns grow once instead of doubling.
                // Never more rows than the bytes can hold (a row the kernel takes has at least
                // two bytes a field), however short the first block's rows were.
                let remaining = end - scanner.position
                let estimate = min(remaining / max(1, p - scanner.position) * B * 9 / 8, remaining / (2 * n))
                for c in columns.indices { columns[c].reserve(estimate) }
            }
            KernelColumns.append(r, codes: codes, ints: ints, stride: B, isText, to: &columns)
            done += r
            r = 0
        }

        isText.withUnsafeBufferPointer { isText in
            dictionaries.withUnsafeMutableBufferPointer { dictionaries in
                // The previous row: where it starts, its length, each field's delimiter
                // (offset from the row's start) and value (a code or an integer's bits).
                var previousStart = p, previousLength = 0
                let previousEnds = UnsafeMutablePointer<Int>.allocate(capacity: n)
                let previousValues = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
                defer {
                    previousEnds.deallocate()
                    previousValues.deallocate()
                }
                previousEnds.initialize(repeating: Int.max, count: n)
                previousValues.initialize(repeating: 0, count: n)

                rows: while p < end {
                    let shared = commonPrefix(base, p, previousStart, previousLength, end)
                    var c = 0
                    while c < n, previousEnds[c] < shared {
                        let v = previousValues[c]
                        if isText[c] { codes[c &* B &+ r] = UInt32(truncatingIfNeeded: v) } else { ints[c &* B &+ r] = Int64(bitPattern: v) }
                        c &+= 1
                    }
                    var q = c == 0 ? p : p &+ previousEnds[c &- 1] &+ 1
                    while c < n {
                        let start = q
                        let value: UInt64
                        if isText[c] {
                            q = delimiter(base, from: q, end)
                            let count = q &- start
                            guard count > 0 else { break rows }
                            let field = UnsafeRawBufferPointer(start: base + start, count: count)
                            guard !CSVReportReader.mayBeNumber(field, first: base.load(fromByteOffset: start, as: UInt8.self)),
                                  let code = dictionaries[c].code(of: field) else { break rows }
                            codes[c &* B &+ r] = code
                            value = UInt64(code)
                        } else {
                            // Digits up to the first other byte, which must be the delimiter (checked below):
                            // one pass, no separate search for the delimiter.
                            var parsed: Int64 = 0
                            while q < end {
                                let digit = base.load(fromByteOffset: q, as: UInt8.self) &- 48
                                guard digit <= 9 else { break }
                                parsed = parsed &* 10 &+ Int64(digit)  // wraps past 18 digits, which are refused below
                                q &+= 1
                            }
                            let count = q &- start
                            guard count > 0, count <= 18 else { break rows }
                            ints[c &* B &+ r] = parsed
                            value = UInt64(bitPattern: parsed)
                        }
                        // A ',' after every field but the last; a line feed (or the end of the bytes) after the last.
                        if q < end {
                            if base.load(fromByteOffset: q, as: UInt8.self) != (c == n &- 1 ? 10 : 44) { break rows }
                        } else if c != n &- 1 {
                            break rows
                        }
                        previousValues[c] = value
                        previousEnds[c] = q &- p
                        q &+= 1
                        c &+= 1
                    }
                    // `q` is past the row's last delimiter: a line feed, or the end of the bytes (then q == end + 1).
                    let next = min(q, end)
                    if q <= end { feeds &+= 1 }
                    previousStart = p
                    previousLength = next &- p
                    p = next
                    r &+= 1
                    if r == B { flush() }
                }
            }
        }
        flush()
        KernelColumns.giveBack(dictionaries, isText, to: &columns)
        if done > 0 {
            lines.record(row: rows, line: firstLine)
            rows += done
            scanner.skipPlainRows(done, to: p, lineFeeds: feeds)
        }
        return done
    }

    /// How many bytes from `row` on equal those from `previous` (at most `length`,
    /// the previous row's length, and never past `end`).
    @inline(__always) static func commonPrefix(_ base: UnsafeRawPointer, _ row: Int, _ previous: Int, _ length: Int, _ end: Int) -> Int {
        let limit = min(length, end &- row)
        var i = 0
        while i &+ 8 <= limit {
            let x = base.loadUnaligned(fromByteOffset: row &+ i, as: UInt64.self) ^ base.loadUnaligned(fromByteOffset: previous &+ i, as: UInt64.self)
            if x != 0 { return i &+ x.trailingZeroBitCount &>> 3 }
            i &+= 8
        }
        while i < limit, base.load(fromByteOffset: row &+ i, as: UInt8.self) == base.load(fromByteOffset: previous &+ i, as: UInt8.self) { i &+= 1 }
        return i
    }

    /// The offset of the first ',' or line feed at or after `from`, or `end`: eight bytes at a time.
    @inline(__always) static func delimiter(_ base: UnsafeRawPointer, from: Int, _ end: Int) -> Int {
        var q = from
        while q &+ 8 <= end {
            let w = base.loadUnaligned(fromByteOffset: q, as: UInt64.self)
            let hits = zeroBytes(w ^ 0x2C2C_2C2C_2C2C_2C2C) | zeroBytes(w ^ 0x0A0A_0A0A_0A0A_0A0A)
            if hits != 0 { return q &+ hits.trailingZeroBitCount &>> 3 }
            q &+= 8
        }
        while q < end {
            let b = base.load(fromByteOffset: q, as: UInt8.self)
            if b == 44 || b == 10 { return q }
            q &+= 1
        }
        return end
    }

    /// The 0x80 bit of every zero byte of `x` (SWAR); only the lowest one is exact.
    @inline(__always) static func zeroBytes(_ x: UInt64) -> UInt64 {
        (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
    }
}
