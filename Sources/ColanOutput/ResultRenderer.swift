import ColanSupport
import ColanEngine

/// Renders an `AggregateResult` as an aligned table, CSV, JSON, a Markdown table or a chart.
///
/// Counts print as integers; derived ratios are rounded to 2 decimals as the
/// vendor does (trailing zeros dropped: 26.31, 1.5, 6404). A value that is
/// only a bound is marked where people read it (table, Markdown, chart: "<=6404"
/// upper, ">=1.47" lower); in CSV and JSON, which programs read, every metric is a
/// number (or empty/null) and a `viewersExact` column says per row whether its
/// unique-viewer figures are exact.
public enum ResultRenderer {
    /// Output formats.
    public enum Format: String, Sendable, CaseIterable {
        /// Aligned columns for a terminal.
        case table
        /// Comma-separated with a header line.
        case csv
        /// An array of objects whose keys are the column names.
        case json
        /// A Markdown (GitHub) table, for tickets and documents.
        case markdown
        /// The first metric as bars, or as a line of blocks per group across time (ResultChart).
        case chart
    }

    /// The column CSV and JSON add when an answer holds unique-viewer figures.
    public static let viewersExactColumn = "viewersExact"

    /// Renders `result` in `format`.
    public static func render(_ result: AggregateResult, as format: Format) -> String {
        String(decoding: bytes(result, as: format), as: UTF8.self)
    }

    /// Renders `result` in `format` as UTF-8 bytes (CSV and JSON are built
    /// byte by byte: large results are thousands of rows).
    public static func bytes(_ result: AggregateResult, as format: Format, width: Int = 80) -> [UInt8] {
        var out: [UInt8] = []
        let flagged = result.kinds.contains(.viewers)
        switch format {
        case .chart:
            out = Array(ResultChart.render(result, width: width).utf8)
        case .markdown:
            let numeric = Set(result.kinds.indices.filter { result.kinds[$0] != .time && result.kinds[$0] != .dimension })
            func cell(_ s: String) -> String {
                s.replacingAll("\\", with: "\\\\").replacingAll("|", with: "\\|").replacingAll("\n", with: " ")
            }
            var text = "| " + result.columns.map(cell).joined(separator: " | ") + " |\n"
            text += "|" + result.columns.indices.map { numeric.contains($0) ? " ---: |" : " --- |" }.joined() + "\n"
            for row in result.rows { text += "| " + row.map { cell(Self.text($0)) }.joined(separator: " | ") + " |\n" }
            out = Array(text.utf8)
        case .table:
            let numeric = Set(result.rows.first.map { row in row.indices.filter { if case .text = row[$0] { return false } else { return true } } } ?? [])
            out = TextTable.bytes([result.columns] + result.rows.map { $0.map(text) }, rightAligned: numeric)
        case .csv:
            out.reserveCapacity(64 * (result.rows.count + 1))
            for (c, name) in result.columns.enumerated() {
                if c > 0 { out.append(44) }
                TextFormat.appendCSV(name, to: &out)
            }
            if flagged { out.append(44); out.append(contentsOf: viewersExactColumn.utf8) }
            out.append(10)
            for (r, row) in result.rows.enumerated() {
                for (c, value) in row.enumerated() {
                    if c > 0 { out.append(44) }
                    if case .text(let s) = value { TextFormat.appendCSV(s, to: &out) } else { appendNumber(value, to: &out) }
                }
                if flagged { out.append(44); out.append(contentsOf: (result.viewersExact(row: r) == true ? "true" : "false").utf8) }
                out.append(10)
            }
        case .json:
            let keys = result.columns.map { Array(TextFormat.jsonString($0).utf8) + [58, 32] }
            out.append(91)
            for (r, row) in result.rows.enumerated() {
                out.append(contentsOf: r == 0 ? [10, 32, 32, 123] : [44, 10, 32, 32, 123])
                for (c, value) in row.enumerated() {
                    if c > 0 { out.append(contentsOf: [44, 32]) }
                    out.append(contentsOf: keys[c])
                    switch value {
                    case .integer, .decimal: append(value, to: &out)
                    case .none: out.append(contentsOf: Array("null".utf8))
                    case .text(let s): out.append(contentsOf: TextFormat.jsonString(s).utf8)
                    case .bound: appendNumber(value, to: &out)
                    }
                }
                if flagged {
                    out.append(contentsOf: Array(", \"\(viewersExactColumn)\": ".utf8))
                    out.append(contentsOf: (result.viewersExact(row: r) == true ? "true" : "false").utf8)
                }
                out.append(125)
            }
            out.append(contentsOf: result.rows.isEmpty ? [93, 10] : [10, 93, 10])
        }
        return out
    }

    /// Appends a value as a plain number (a bound by its value, unmarked; nothing for no value).
    static func appendNumber(_ value: ResultValue, to out: inout [UInt8]) {
        if case .bound(let v, _) = value { TextFormat.appendDecimal(v, to: &out) } else { append(value, to: &out) }
    }

    /// Appends a number or bound as text.
    static func append(_ value: ResultValue, to out: inout [UInt8]) {
        switch value {
        case .integer(let v): TextFormat.appendInteger(v, to: &out)
        case .decimal(let v): TextFormat.appendDecimal(v, to: &out)
        case .bound(let v, let upper):
            out.append(upper ? 60 : 62)
            out.append(61)
            TextFormat.appendDecimal(v, to: &out)
        case .text(let s): out.append(contentsOf: s.utf8)
        case .none: break
        }
    }

    /// The text of one value.
    public static func text(_ value: ResultValue) -> String {
        switch value {
        case .integer(let v): return String(v)
        case .decimal(let v): return TextFormat.decimal(v)
        case .text(let s): return s
        case .bound(let v, let upper): return (upper ? "<=" : ">=") + TextFormat.decimal(v)
        case .none: return ""
        }
    }

}
