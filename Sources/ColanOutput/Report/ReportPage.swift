import ColanSupport
@_spi(Benchmarks) import ColanTime
import ColanStore
import ColanEngine

/// Draws `ReportData` as one self-contained HTML page: inline CSS and inline SVG, no script, no
/// font, image or style fetched from anywhere (it opens on an air-gapped laptop and in a mail
/// client that blocks remote content), light and dark by `prefers-color-scheme`, readable printed.
/// Every figure is also in the page as text: card values, `<title>` tooltips on chart marks, and
/// a table under each chart.
public enum ReportPage {
    /// The page, generated at `now` (UTC seconds).
    public static func render(_ data: ReportData, now: Int64) -> String {
        let range = ResultShaping.label(data.days.lowerBound) + " to " + ResultShaping.label(data.days.upperBound)
        let title = data.request.title ?? "Streaming report, \(range)"
        var body = "<header><h1>\(escape(title))</h1><p class=\"sub\">\(escape(range)) · days and hours in \(escape(data.request.zone))"
        if !data.request.filters.isEmpty {
            body += " · " + data.request.filters.sorted { $0.key < $1.key }.map { "\(escape($0.key)) = \(escape($0.value.joined(separator: " or ")))" }
                .joined(separator: ", ")
        }
        body += "</p></header>\n"
        if !data.figures.isEmpty { body += cards(data) }
        if let daily = data.dailyMinutes { body += dailyChart(daily, data: data) }
        if let heat = data.heatMap { body += heatMap(heat, zone: data.request.zone) }
        if let curve = data.concurrency { body += concurrency(curve) }
        for ranking in data.rankings { body += rankingTable(ranking) }
        if let funnel = data.funnel { body += funnelChart(funnel) }
        if !data.coverage.isEmpty { body += coverageGrid(data) }
        if !data.notes.isEmpty {
            body += "<section><h2>Notes</h2><ul>" + data.notes.map { "<li>\(escape($0))</li>" }.joined() + "</ul></section>\n"
        }
        body += "<footer>Store \(escape(data.request.store)) · \(escape(range)) · \(escape(data.request.zone)) · colan \(ColanVersion.string)"
            + " · made \(escape(CivilTime.format(now))) UTC. Every number is a <code>colan agg</code> rollup of the store.</footer>\n"
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>\(style)</style></head>
            <body>
            \(body)</body></html>

            """
    }

    // MARK: Sections

    static let names: [String: String] = [
        "totalViewershipMinutes": "Viewership minutes", "totalSessions": "Sessions", "aggregatedViewers": "Unique viewers",
        "avgSessionDuration": "Minutes per session", "avgSessionPerViewer": "Sessions per viewer",
        "concurrentUsersMax": "Peak concurrent users", "concurrentUsersAvg": "Average concurrent users",
        "totalAdOpportunitiesDetected": "Opportunities", "totalAdRequestsSent": "Requests", "totalAdResponsesReceived": "Responses",
        "totalAdAssetsReceived": "Assets", "totalImpressionsRecorded": "Impressions",
    ]

    static func cards(_ data: ReportData) -> String {
        let days = data.days.count
        var out = "<section><h2>Key figures</h2><div class=\"cards\">"
        for f in data.figures {
            let bound: String
            if case .bound(_, let upper) = f.value { bound = upper ? " <span class=\"bound\">(at most: an upper bound)</span>" : " <span class=\"bound\">(at least: a lower bound)</span>" } else { bound = "" }
            var change = "<span class=\"muted\">nothing to compare with</span>"
            if let c = ResultShaping.number(f.change) {
                change = "<span class=\"\(c >= 0 ? "up" : "down")\">\(c >= 0 ? "▲ +" : "▼ ")\(TextFormat.decimal(c))%</span>"
            } else if case .bound = f.value, ResultShaping.number(f.previous) != nil {
                change = "<span class=\"muted\">bounds: no change figure</span>"
            }
            out += "<div class=\"card\"><div class=\"label\">\(escape(names[f.name] ?? f.name))</div>"
                + "<div class=\"value\" data-metric=\"\(escape(f.name))\">\(escape(show(f.value)))\(bound)</div>"
                + "<div class=\"change\">\(change) <span class=\"muted\">"
                + (ResultShaping.number(f.previous) == nil ? "in the previous \(days) days" : "vs \(escape(show(f.previous))) in the previous \(days) days")
                + "</span></div></div>"
        }
        return out + "</div></section>\n"
    }

    static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"]

    static func dailyChart(_ daily: (dimension: String, series: [ReportData.Series], previous: ReportData.Series), data: ReportData) -> String {
        let n = data.days.count
        let totals = (0..<n).map { d in daily.series.reduce(0.0) { $0 + ($1.values[d] ?? 0) } }
        let top = niceCeiling(max(totals.max() ?? 0, daily.previous.values.compactMap { $0 }.max() ?? 0))
        let (w, h, left, bottom) = (900.0, 300.0, 64.0, 28.0)
        let plotW = w - left - 10, plotH = h - bottom - 10
        let step = plotW / Double(max(n, 1))
        func y(_ v: Double) -> Double { 10 + plotH - (top > 0 ? v / top * plotH : 0) }
        var svg = "<svg viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-label=\"Daily viewership minutes by \(escape(daily.dimension))\">"
        svg += axis(top: top, y: y, left: left, width: w - 10, unit: "min")
        for d in 0..<n {
            var base = 0.0
            let day = ResultShaping.label(data.days.lowerBound + Int64(d))
            for (k, s) in daily.series.enumerated() {
                guard let v = s.values[d], v > 0 else { continue }
                svg += "<rect x=\"\(f(left + Double(d) * step + step * 0.1))\" y=\"\(f(y(base + v)))\" width=\"\(f(step * 0.8))\" height=\"\(f(y(base) - y(base + v)))\" fill=\"\(palette[k % palette.count])\">"
                    + "<title>\(escape(day)) \(escape(s.name)): \(number(v)) minutes</title></rect>"
                base += v
            }
            if d % max(n / 7, 1) == 0 {
                svg += "<text class=\"tick\" x=\"\(f(left + Double(d) * step + step / 2))\" y=\"\(f(h - 8))\" text-anchor=\"middle\">\(escape(String(day.dropFirst(5))))</text>"
            }
        }
        let points = daily.previous.values.enumerated().compactMap { d, v in v.map { "\(f(left + Double(d) * step + step / 2)),\(f(y($0)))" } }
        if points.count > 1 {
            svg += "<polyline class=\"previous\" points=\"\(points.joined(separator: " "))\"><title>\(escape(daily.previous.name))</title></polyline>"
        }
        svg += "</svg>"
        var legend = "<div class=\"legend\">" + daily.series.enumerated().map { k, s in
            "<span><i style=\"background:\(palette[k % palette.count])\"></i>\(escape(s.name))</span>"
        }.joined()
        if points.count > 1 { legend += "<span><i class=\"line\"></i>\(escape(daily.previous.name)), day by day (total)</span>" }
        legend += "</div>"
        var table = "<table><thead><tr><th>day</th>" + daily.series.map { "<th>\(escape($0.name))</th>" }.joined() + "<th>total</th><th>\(escape(daily.previous.name))</th></tr></thead><tbody>"
        for d in 0..<n {
            table += "<tr><td>\(ResultShaping.label(data.days.lowerBound + Int64(d)))</td>"
                + daily.series.map { "<td class=\"num\">\($0.values[d].map(number) ?? "")</td>" }.joined()
                + "<td class=\"num\">\(number(totals[d]))</td><td class=\"num\">\(daily.previous.values[d].map(number) ?? "")</td></tr>"
        }
        table += "</tbody></table>"
        return "<section><h2>Daily viewership minutes by \(escape(daily.dimension))</h2>\(svg)\(legend)<details><summary>Numbers</summary>\(table)</details></section>\n"
    }

    static func heatMap(_ cells: [[Double]], zone: String) -> String {
        let top = cells.flatMap { $0 }.max() ?? 0
        let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let (left, top0, cw, ch) = (44.0, 20.0, 35.0, 26.0)
        var svg = "<svg viewBox=\"0 0 \(Int(left + 24 * cw + 4)) \(Int(top0 + 7 * ch + 4))\" role=\"img\" aria-label=\"Minutes by hour and weekday in \(escape(zone))\">"
        for h in stride(from: 0, to: 24, by: 3) {
            svg += "<text class=\"tick\" x=\"\(f(left + Double(h) * cw + cw / 2))\" y=\"14\" text-anchor=\"middle\">\(h):00</text>"
        }
        for (w, row) in cells.enumerated() {
            svg += "<text class=\"tick\" x=\"0\" y=\"\(f(top0 + Double(w) * ch + ch * 0.65))\">\(weekdays[w])</text>"
            for (h, v) in row.enumerated() {
                let shade = top > 0 ? 0.08 + 0.92 * v / top : 0.08
                svg += "<rect x=\"\(f(left + Double(h) * cw))\" y=\"\(f(top0 + Double(w) * ch))\" width=\"\(f(cw - 2))\" height=\"\(f(ch - 2))\" class=\"heat\" fill-opacity=\"\(f(shade))\">"
                    + "<title>\(weekdays[w]) \(h):00-\(h + 1):00: \(number(v)) minutes</title></rect>"
            }
        }
        svg += "</svg>"
        var table = "<table><thead><tr><th>weekday</th>" + (0..<24).map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>"
        for (w, row) in cells.enumerated() {
            table += "<tr><td>\(weekdays[w])</td>" + row.map { "<td class=\"num\">\(number($0))</td>" }.joined() + "</tr>"
        }
        table += "</tbody></table>"
        return "<section><h2>Minutes by hour and weekday (\(escape(zone)))</h2>\(svg)<p class=\"muted\">Darker is more; hours of the day in \(escape(zone)), summed over the range.</p><details><summary>Numbers</summary>\(table)</details></section>\n"
    }

    static func concurrency(_ curve: (labels: [String], max: [Double], average: [Double])) -> String {
        let top = niceCeiling(curve.max.max() ?? 0)
        let (w, h, left, bottom) = (900.0, 240.0, 64.0, 28.0)
        let plotW = w - left - 10, plotH = h - bottom - 10
        let n = curve.labels.count
        func x(_ i: Int) -> Double { left + (n > 1 ? Double(i) / Double(n - 1) * plotW : plotW / 2) }
        func y(_ v: Double) -> Double { 10 + plotH - (top > 0 ? v / top * plotH : 0) }
        var svg = "<svg viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-label=\"Concurrent users per hour\">"
        svg += axis(top: top, y: y, left: left, width: w - 10, unit: "users")
        svg += "<polyline class=\"curve\" points=\"\(curve.max.enumerated().map { "\(f(x($0))),\(f(y($1)))" }.joined(separator: " "))\"><title>peak per hour</title></polyline>"
        if let peak = curve.max.indices.max(by: { curve.max[$0] < curve.max[$1] }) {
            svg += "<circle cx=\"\(f(x(peak)))\" cy=\"\(f(y(curve.max[peak])))\" r=\"5\" class=\"peak\"><title>peak \(number(curve.max[peak])) at \(escape(curve.labels[peak]))</title></circle>"
            svg += "<text class=\"tick\" x=\"\(f(min(x(peak) + 8, w - 160)))\" y=\"\(f(max(y(curve.max[peak]) - 8, 12)))\">peak \(number(curve.max[peak])), \(escape(curve.labels[peak]))</text>"
        }
        for i in stride(from: 0, to: n, by: max(n / 6, 1)) {
            svg += "<text class=\"tick\" x=\"\(f(x(i)))\" y=\"\(f(h - 8))\" text-anchor=\"middle\">\(escape(String(curve.labels[i].dropFirst(5).prefix(11))))</text>"
        }
        svg += "</svg>"
        var table = "<table><thead><tr><th>hour</th><th>peak</th><th>average</th></tr></thead><tbody>"
        for i in 0..<n { table += "<tr><td>\(escape(curve.labels[i]))</td><td class=\"num\">\(number(curve.max[i]))</td><td class=\"num\">\(number(curve.average[i]))</td></tr>" }
        table += "</tbody></table>"
        return "<section><h2>Concurrent users</h2>\(svg)<p class=\"muted\">Each hour's peak of the per-minute sums across channels.</p><details><summary>Numbers</summary>\(table)</details></section>\n"
    }

    static func rankingTable(_ ranking: ReportData.Ranking) -> String {
        let r = ranking.result
        let shareColumn = r.columns.firstIndex { $0.hasSuffix("Share") }
        var out = "<section><h2>\(escape(ranking.title))</h2><table><thead><tr>"
        for (c, name) in r.columns.enumerated() {
            out += "<th\(r.kinds[c] == .dimension ? "" : " class=\"num\"")>\(escape(names[name] ?? (name.hasSuffix("Share") ? "share" : name)))</th>"
        }
        out += "</tr></thead><tbody>"
        for row in r.rows {
            out += "<tr>"
            for (c, value) in row.enumerated() {
                if c == shareColumn, let share = ResultShaping.number(value) {
                    out += "<td class=\"num share\"><span class=\"bar\" style=\"width:\(f(min(share, 100)))%\"></span>\(TextFormat.decimal(share))%</td>"
                } else if r.columns[c].hasSuffix("Share"), let share = ResultShaping.number(value) {
                    out += "<td class=\"num\">\(TextFormat.decimal(share))%</td>"
                } else {
                    out += r.kinds[c] == .dimension ? "<td>\(escape(ResultRenderer.text(value)))</td>" : "<td class=\"num\">\(escape(show(value)))</td>"
                }
            }
            out += "</tr>"
        }
        return out + "</tbody></table></section>\n"
    }

    static func funnelChart(_ funnel: (steps: [(name: String, value: Int64)], conversionRate: ResultValue)) -> String {
        let top = Double(funnel.steps.map(\.value).max() ?? 0)
        var svg = "<svg viewBox=\"0 0 900 \(funnel.steps.count * 40 + 10)\" role=\"img\" aria-label=\"Ad funnel\">"
        var table = "<table><thead><tr><th>step</th><th class=\"num\">count</th><th class=\"num\">of the step before</th></tr></thead><tbody>"
        for (i, step) in funnel.steps.enumerated() {
            let width = top > 0 ? Double(step.value) / top * 600 : 0
            let rate = i > 0 && funnel.steps[i - 1].value > 0 ? Double(step.value) / Double(funnel.steps[i - 1].value) * 100 : nil
            let label = names[step.name] ?? step.name
            svg += "<text class=\"tick\" x=\"0\" y=\"\(i * 40 + 27)\">\(escape(label))</text>"
            svg += "<rect x=\"\(f(130 + (600 - width) / 2))\" y=\"\(i * 40 + 8)\" width=\"\(f(width))\" height=\"30\" fill=\"\(palette[0])\"><title>\(escape(label)): \(number(Double(step.value)))</title></rect>"
            svg += "<text class=\"tick\" x=\"740\" y=\"\(i * 40 + 27)\">\(number(Double(step.value)))\(rate.map { " (\(TextFormat.decimal($0))%)" } ?? "")</text>"
            table += "<tr><td>\(escape(label))</td><td class=\"num\">\(number(Double(step.value)))</td><td class=\"num\">\(rate.map { TextFormat.decimal($0) + "%" } ?? "")</td></tr>"
        }
        svg += "</svg>"
        table += "</tbody></table>"
        return "<section><h2>Ad funnel</h2>\(svg)<p>Conversion rate (impressions / assets): <strong>\(escape(show(funnel.conversionRate)))%</strong></p><details><summary>Numbers</summary>\(table)</details></section>\n"
    }

    static func coverageGrid(_ data: ReportData) -> String {
        let n = data.days.count
        let repullFrom = data.newestDay.map { $0 - Int64(data.request.repullDays) + 1 }
        let (left, cw, rh) = (260.0, max(min(620.0 / Double(max(n, 1)), 20), 3), 18.0)
        var svg = "<svg viewBox=\"0 0 \(Int(left + Double(n) * cw + 4)) \(Int(Double(data.coverage.count) * rh + 22))\" role=\"img\" aria-label=\"Data coverage\">"
        var missing: [String] = []
        for (r, line) in data.coverage.enumerated() {
            let yy = Double(r) * rh
            svg += "<text class=\"tick\" x=\"0\" y=\"\(f(yy + 13))\">\(escape(line.report)) · \(escape(line.channel))</text>"
            var gaps: [String] = []
            for d in 0..<n {
                let day = data.days.lowerBound + Int64(d)
                let recent = repullFrom.map { day >= $0 && day <= (data.newestDay ?? day) } ?? false
                let cls = line.days[d] ? (recent ? "recent" : "have") : "gap"
                if !line.days[d] { gaps.append(ResultShaping.label(day)) }
                svg += "<rect x=\"\(f(left + Double(d) * cw))\" y=\"\(f(yy + 2))\" width=\"\(f(cw - 1))\" height=\"\(f(rh - 4))\" class=\"\(cls)\"><title>\(escape(line.report)) \(escape(line.channel)) \(ResultShaping.label(day)): \(line.days[d] ? (recent ? "data, may still change (re-pull window)" : "data") : "missing")</title></rect>"
            }
            if !gaps.isEmpty { missing.append("\(line.report) · \(line.channel): \(gaps.count) of \(n) days missing (\(gaps.prefix(5).joined(separator: ", "))\(gaps.count > 5 ? ", …" : ""))") }
        }
        svg += "</svg>"
        let legend = "<div class=\"legend\"><span><i class=\"have\"></i>data</span><span><i class=\"recent\"></i>data in the last \(data.request.repullDays) days the store holds (the vendor may still revise them)</span><span><i class=\"gap\"></i>missing</span></div>"
        let list = missing.isEmpty ? "<p>No day of the range is missing.</p>" : "<ul>" + missing.map { "<li>\(escape($0))</li>" }.joined() + "</ul>"
        return "<section><h2>Data coverage</h2>\(svg)\(legend)\(list)</section>\n"
    }

    // MARK: Helpers

    /// A y axis from zero with about five labelled lines.
    static func axis(top: Double, y: (Double) -> Double, left: Double, width: Double, unit: String) -> String {
        guard top > 0 else { return "" }
        var out = ""
        for i in 0...5 {
            let v = top * Double(i) / 5
            out += "<line class=\"grid\" x1=\"\(f(left))\" x2=\"\(f(width))\" y1=\"\(f(y(v)))\" y2=\"\(f(y(v)))\"/>"
            out += "<text class=\"tick\" x=\"\(f(left - 6))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\">\(compact(v))</text>"
        }
        return out + "<text class=\"tick\" x=\"0\" y=\"12\">\(escape(unit))</text>"
    }

    /// The smallest 1, 2 or 5 times a power of ten at least `v`.
    static func niceCeiling(_ v: Double) -> Double {
        guard v > 0 else { return 0 }
        var p = 1.0
        while p * 10 <= v { p *= 10 }
        while p > v { p /= 10 }
        for m in [1.0, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10] where m * p >= v { return m * p }
        return 10 * p
    }

    /// A value as shown: bounds marked ≤/≥, counts with thousands separators.
    static func show(_ value: ResultValue) -> String {
        switch value {
        case .integer(let v): return number(Double(v))
        case .decimal(let v): return TextFormat.decimal(v)
        case .bound(let v, let upper): return (upper ? "≤ " : "≥ ") + (v == v.rounded() ? number(v) : TextFormat.decimal(v))
        case .text(let s): return s
        case .none: return "–"
        }
    }

    /// 1234567 -> "1,234,567"; fractions to 2 decimals.
    static func number(_ v: Double) -> String {
        guard v == v.rounded(), abs(v) < 1e15 else { return TextFormat.decimal(v) }
        let digits = String(Int64(abs(v)))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (v < 0 ? "-" : "") + out
    }

    /// 1500000 -> "1.5M", for axis labels.
    static func compact(_ v: Double) -> String {
        if v >= 1e9 { return TextFormat.decimal(v / 1e9) + "B" }
        if v >= 1e6 { return TextFormat.decimal(v / 1e6) + "M" }
        if v >= 1e3 { return TextFormat.decimal(v / 1e3) + "k" }
        return TextFormat.decimal(v)
    }

    static func f(_ v: Double) -> String { TextFormat.decimal(v) }

    /// Text for HTML content and attributes.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    static let style = """
        :root{color-scheme:light dark;--fg:#1d232a;--muted:#5f6b76;--bg:#ffffff;--card:#f4f6f8;--line:#d5dbe1;--accent:#4e79a7;--up:#2e7d32;--down:#c62828;--gap:#e57373;--recent:#f2b134}
        @media (prefers-color-scheme:dark){:root{--fg:#e6e9ec;--muted:#9aa7b3;--bg:#15191d;--card:#20262c;--line:#39424b;--accent:#7aa6d6;--up:#81c784;--down:#ef9a9a;--gap:#e57373;--recent:#f2b134}}
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);max-width:980px;margin:24px auto;padding:0 16px}
        h1{font-size:24px;margin:0}h2{font-size:18px;margin:28px 0 8px}.sub,.muted{color:var(--muted)}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:10px}
        .card{background:var(--card);border-radius:8px;padding:10px 12px}.label{color:var(--muted);font-size:13px}
        .value{font-size:24px;font-weight:600}.bound{font-size:12px;font-weight:400;color:var(--muted)}.change{font-size:13px}
        .up{color:var(--up)}.down{color:var(--down)}
        svg{width:100%;height:auto;display:block}svg text{fill:var(--fg)}.tick{font-size:11px;fill:var(--muted)}
        .grid{stroke:var(--line);stroke-width:1}.previous{fill:none;stroke:var(--muted);stroke-width:2;stroke-dasharray:4 3;opacity:.7}
        .curve{fill:none;stroke:var(--accent);stroke-width:2}.peak{fill:var(--down)}.heat{fill:var(--accent)}
        .have{fill:var(--accent)}.recent{fill:var(--recent)}.gap{fill:none;stroke:var(--gap);stroke-width:1}
        .legend{display:flex;flex-wrap:wrap;gap:12px;font-size:13px;margin:6px 0}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px;border-radius:2px}
        .legend i.line{height:0;border-top:2px dashed var(--muted)}.legend i.have{background:var(--accent)}.legend i.recent{background:var(--recent)}.legend i.gap{border:1px solid var(--gap)}
        table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}th,td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left}
        .num{text-align:right;font-variant-numeric:tabular-nums}.share{position:relative;min-width:90px}
        .share .bar{position:absolute;left:0;top:20%;height:60%;background:var(--accent);opacity:.25}
        details summary{cursor:pointer;color:var(--muted);font-size:13px}footer{margin-top:32px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
        @media print{body{max-width:none;margin:0}details{display:block}details>summary{display:none}section{break-inside:avoid}}
        """
}
