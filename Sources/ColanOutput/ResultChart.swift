import ColanSupport
import ColanEngine

/// `colan agg --format chart`: one metric (the answer's first) drawn in plain characters that
/// paste anywhere. An answer over time buckets with several of them is a line of block characters
/// per group (▁ to █, a space where a bucket has no value) with its lowest and highest value; any
/// other answer is a horizontal bar per row, scaled to the largest value, with the value beside it.
public enum ResultChart {
    static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    static let eighths: [Character] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"].map { $0.first ?? " " }

    /// The chart of `result`, at most `width` characters wide.
    public static func render(_ result: AggregateResult, width: Int) -> String {
        let width = max(width, 40)
        guard let metric = result.kinds.firstIndex(where: { $0 != .time && $0 != .dimension }) else {
            return "(no metric to chart)\n"
        }
        let name = result.columns[metric]
        guard !result.rows.isEmpty else { return "\(name): no rows\n" }
        let timed = result.kinds.first == .time
        let dims = result.kinds.indices.filter { result.kinds[$0] == .dimension }
        func label(_ row: [ResultValue], withTime: Bool) -> String {
            let parts = (withTime ? [0] : []) + dims
            let text = parts.map { ResultRenderer.text(row[$0]) }.joined(separator: " / ")
            return text.isEmpty ? "total" : text
        }
        let buckets = timed ? unique(result.rows.map { ResultRenderer.text($0[0]) }) : []
        if timed && buckets.count > 1 {
            return lines(result, metric: metric, name: name, buckets: buckets, label: { label($0, withTime: false) }, width: width)
        }
        return bars(result, metric: metric, name: name, label: { label($0, withTime: timed) }, width: width)
    }

    /// One bar per row.
    static func bars(_ result: AggregateResult, metric: Int, name: String, label: ([ResultValue]) -> String, width: Int) -> String {
        let labels = result.rows.map(label)
        let values = result.rows.map { ResultShaping.number($0[metric]) ?? 0 }
        let texts = result.rows.map { ResultRenderer.text($0[metric]) }
        let labelWidth = min(labels.map(\.count).max() ?? 0, width / 3)
        let textWidth = texts.map(\.count).max() ?? 0
        let barWidth = max(width - labelWidth - textWidth - 4, 10)
        let top = values.max() ?? 0
        var out = name + "\n"
        for (i, text) in labels.enumerated() {
            let eighthsLong = top > 0 ? Int((max(values[i], 0) / top * Double(barWidth * 8)).rounded()) : 0
            var bar = String(repeating: "█", count: eighthsLong / 8)
            if eighthsLong % 8 > 0 { bar.append(eighths[eighthsLong % 8]) }
            out += fit(text, labelWidth) + "  " + bar + String(repeating: " ", count: max(barWidth - bar.count, 0)) + "  " + texts[i] + "\n"
        }
        return out
    }

    /// One line of blocks per group across the time buckets.
    static func lines(_ result: AggregateResult, metric: Int, name: String, buckets: [String],
                      label: ([ResultValue]) -> String, width: Int) -> String {
        var groups: [String] = []
        var values: [String: [String: Double]] = [:]
        var marked: [String: Bool] = [:]
        for row in result.rows {
            let group = label(row)
            if values[group] == nil { groups.append(group) }
            values[group, default: [:]][ResultRenderer.text(row[0])] = ResultShaping.number(row[metric])
            if case .bound = row[metric] { marked[group] = true }
        }
        let labelWidth = min(groups.map(\.count).max() ?? 0, width / 3)
        let room = max(width - labelWidth - 2 - 24, 10)
        let shown = Array(buckets.suffix(room))
        var out = "\(name), \(shown.first ?? "") to \(shown.last ?? "")"
        out += shown.count < buckets.count ? " (the last \(shown.count) of \(buckets.count) buckets)\n" : " (\(shown.count) buckets)\n"
        for group in groups {
            let series = shown.map { values[group]?[$0] }
            let present = series.compactMap { $0 }
            let lo = present.min() ?? 0, hi = present.max() ?? 0
            let line = String(series.map { v -> Character in
                guard let v else { return " " }
                let level = hi > lo ? Int(((v - lo) / (hi - lo) * 7).rounded()) : 7
                return levels[min(max(level, 0), 7)]
            })
            let mark = marked[group] == true ? "<=" : ""
            out += fit(group, labelWidth) + "  " + line + "  " + mark + TextFormat.decimal(lo) + ".." + mark + TextFormat.decimal(hi) + "\n"
        }
        return out
    }

    /// `text` cut or padded to `width` characters.
    static func fit(_ text: String, _ width: Int) -> String {
        text.count > width ? String(text.prefix(max(width - 1, 0))) + "…" : text + String(repeating: " ", count: width - text.count)
    }

    static func unique(_ labels: [String]) -> [String] {
        var seen = Set<String>()
        return labels.filter { seen.insert($0).inserted }
    }
}
