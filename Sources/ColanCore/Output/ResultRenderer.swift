/// Renders an `AggregateResult` as an aligned table, CSV or JSON.
///
/// Counts print as integers; derived ratios are rounded to 2 decimals as the
/// vendor does (trailing zeros dropped: 26.31, 1.5, 6404). A value that is
/// only a bound is marked in every format: "<=6404" (upper) or ">=1.47" (lower).
public enum ResultRenderer {
    /// Output formats.
    public enum Format: String, Sendable, CaseIterable {
        /// Aligned columns for a terminal.
        case table
        /// Comma-separated with a header line.
        case csv
        /// An array of objects whose keys are the column names.
        case json
    }

    /// Renders `result` in `format`.
    public static func render(_ result: AggregateResult, as format: Format) -> String {
        switch format {
        case .table:
            let numeric = Set(result.rows.first.map { row in row.indices.filter { if case .text = row[$0] { return false } else { return true } } } ?? [])
            return TextTable.render([result.columns] + result.rows.map { $0.map(text) }, rightAligned: numeric)
        case .csv:
            var out = result.columns.map(csvField).joined(separator: ",") + "\n"
            for row in result.rows { out += row.map { csvField(text($0)) }.joined(separator: ",") + "\n" }
            return out
        case .json:
            var out = "["
            for (r, row) in result.rows.enumerated() {
                out += r == 0 ? "\n  {" : ",\n  {"
                for (c, value) in row.enumerated() {
                    out += (c == 0 ? "" : ", ") + jsonString(result.columns[c]) + ": " + json(value)
                }
                out += "}"
            }
            return out + (result.rows.isEmpty ? "]\n" : "\n]\n")
        }
    }

    /// The text of one value.
    public static func text(_ value: ResultValue) -> String {
        switch value {
        case .integer(let v): return String(v)
        case .decimal(let v): return decimal(v)
        case .text(let s): return s
        case .bound(let v, let upper): return (upper ? "<=" : ">=") + decimal(v)
        case .none: return ""
        }
    }

    /// Rounds half away from zero to 2 decimals and drops trailing zeros.
    static func decimal(_ v: Double) -> String {
        let cents = (v * 100).rounded(.toNearestOrAwayFromZero)
        guard cents.magnitude < 9e15 else { return String(v) }
        let c = Int64(cents)
        let sign = c < 0 ? "-" : ""
        let whole = c.magnitude / 100, frac = c.magnitude % 100
        if frac == 0 { return sign + String(whole) }
        if frac % 10 == 0 { return sign + "\(whole).\(frac / 10)" }
        return sign + "\(whole).\(frac < 10 ? "0" : "")\(frac)"
    }

    static func json(_ value: ResultValue) -> String {
        switch value {
        case .integer, .decimal: return text(value)
        case .text(let s): return jsonString(s)
        case .bound: return jsonString(text(value))
        case .none: return "null"
        }
    }

    static func jsonString(_ s: String) -> String {
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

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingQuotes() + "\""
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var out = ""
        for ch in self { out += ch == "\"" ? "\"\"" : String(ch) }
        return out
    }
}
