/// Numbers and strings as text for people and for CSV/JSON: the one way colan writes a
/// number (2 decimals, half away from zero, trailing zeros dropped) wherever it writes one.
package enum TextFormat {
    /// Appends an integer's decimal digits (no String made).
    package static func appendInteger(_ v: Int64, to out: inout [UInt8]) {
        if v < 0 { out.append(45) }
        var m = v.magnitude
        // Least significant digit first, then the digits turned around in place.
        let start = out.count
        repeat {
            out.append(UInt8(48 + m % 10))
            m /= 10
        } while m > 0
        var i = start, j = out.count - 1
        while i < j {
            out.swapAt(i, j)
            i += 1
            j -= 1
        }
    }

    /// Appends `decimal(v)`'s text (no String made).
    package static func appendDecimal(_ v: Double, to out: inout [UInt8]) {
        let cents = (v * 100).rounded(.toNearestOrAwayFromZero)
        guard cents.magnitude < 9e15 else { out.append(contentsOf: String(v).utf8); return }
        let c = Int64(cents)
        if c < 0 { out.append(45) }
        let whole = Int64(c.magnitude / 100), frac = Int(c.magnitude % 100)
        appendInteger(whole, to: &out)
        if frac == 0 { return }
        out.append(46)
        out.append(UInt8(48 + frac / 10))
        if frac % 10 != 0 { out.append(UInt8(48 + frac % 10)) }
    }

    /// Appends a CSV field, quoted (RFC 4180) when it holds a comma, quote or line break.
    package static func appendCSV(_ s: String, to out: inout [UInt8]) {
        var s = s
        // Scanned as the string's contiguous bytes: `utf8.contains` walked the view's iterator.
        s.withUTF8 { bytes in
            guard bytes.contains(where: { $0 == 44 || $0 == 34 || $0 == 10 || $0 == 13 }) else {
                out.append(contentsOf: bytes)
                return
            }
            out.append(34)
            for b in bytes {
                if b == 34 { out.append(34) }
                out.append(b)
            }
            out.append(34)
        }
    }

    /// Rounds half away from zero to 2 decimals and drops trailing zeros.
    package static func decimal(_ v: Double) -> String {
        let cents = (v * 100).rounded(.toNearestOrAwayFromZero)
        guard cents.magnitude < 9e15 else { return String(v) }
        let c = Int64(cents)
        let sign = c < 0 ? "-" : ""
        let whole = c.magnitude / 100, frac = c.magnitude % 100
        if frac == 0 { return sign + String(whole) }
        if frac % 10 == 0 { return sign + "\(whole).\(frac / 10)" }
        return sign + "\(whole).\(frac < 10 ? "0" : "")\(frac)"
    }

    /// A JSON string literal of `s`.
    package static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// Aligns rows of cells into columns for a terminal.
public enum TextTable {
    /// Renders `rows` (the first is the header) with two spaces between
    /// columns; columns listed in `rightAligned` are right-aligned.
    public static func render(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        String(decoding: bytes(rows, rightAligned: rightAligned), as: UTF8.self)
    }

    /// `render` as UTF-8 bytes, built byte by byte (a day-by-channel rollup is tens of
    /// thousands of rows: appending Strings cell by cell took longer than the query).
    public static func bytes(_ rows: [[String]], rightAligned: Set<Int> = []) -> [UInt8] {
        guard let width = rows.map(\.count).max() else { return [] }
        // A cell's width on a terminal: its characters (an ASCII cell's bytes, counted without
        // walking grapheme clusters).
        let widths = rows.map { row in row.map { cell in cell.utf8.allSatisfy { $0 < 0x80 } ? cell.utf8.count : cell.count } }
        var columnWidths = [Int](repeating: 0, count: width)
        var total = 0
        for row in widths {
            for (i, w) in row.enumerated() { columnWidths[i] = max(columnWidths[i], w) }
        }
        for row in rows { for cell in row { total += cell.utf8.count } }
        var out: [UInt8] = []
        out.reserveCapacity(total + rows.count * (columnWidths.reduce(0, +) + 2 * width + 1))
        for (r, row) in rows.enumerated() {
            let lineStart = out.count
            for (i, cell) in row.enumerated() {
                let pad = columnWidths[i] - widths[r][i]
                if i > 0 { out.append(32); out.append(32) }
                if rightAligned.contains(i) {
                    out.append(contentsOf: repeatElement(32, count: pad))
                    out.append(contentsOf: cell.utf8)
                } else {
                    out.append(contentsOf: cell.utf8)
                    if i < row.count - 1 { out.append(contentsOf: repeatElement(32, count: pad)) }
                }
            }
            while out.count > lineStart, out[out.count - 1] == 32 { out.removeLast() }
            out.append(10)
        }
        return out
    }
}

extension String {
    /// The string with every `target` replaced (no Foundation in the core).
    package func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
