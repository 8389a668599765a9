import ColanSupport
@_spi(Benchmarks) import ColanTime
import ColanFormat

/// The text `colan info FILE` prints for a segment.
public enum SegmentDescription {
    /// Renders the schema, metadata, per-column encodings and sizes, a line per
    /// row group (rows, bytes, time range), and optionally every chunk's statistics.
    public static func render(_ reader: SegmentReader, rowGroups: Bool = false) -> String {
        let footer = reader.footer
        var out = "\(reader.path): colan segment, format version \(SegmentLayout.version)\n"
        out += "rows: \(footer.rowCount) in \(footer.rowGroups.count) row groups, \(reader.fileSize) bytes on disk\n"
        if !footer.metadata.isEmpty {
            out += "metadata:\n"
            for key in footer.metadata.keys.sorted() { out += "  \(key) = \(footer.metadata[key] ?? "")\n" }
        }
        var rows: [[String]] = [["column", "type", "role", "encodings", "stored", "raw", "ratio", "nulls"]]
        var totalStored = 0, totalRaw = 0
        for (c, column) in footer.schema.columns.enumerated() {
            var encodings: [String: Int] = [:]
            var stored = 0, raw = 0, nulls = 0
            for g in footer.rowGroups {
                let chunk = g.chunks[c]
                encodings[chunk.encodingDescription, default: 0] += 1
                stored += chunk.length
                raw += chunk.rawSize
                nulls += chunk.nullCount
            }
            totalStored += stored
            totalRaw += raw
            let names = encodings.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
                .map { encodings.count > 1 ? "\($0.key) x\($0.value)" : $0.key }
            rows.append([column.name, column.type.description, column.role.description, names.joined(separator: ", "),
                         String(stored), String(raw), ratio(raw, stored), String(nulls)])
        }
        rows.append(["total", "", "", "", String(totalStored), String(totalRaw), ratio(totalRaw, totalStored), ""])
        out += TextTable.render(rows, rightAligned: [4, 5, 6, 7])
        let timeColumn = footer.schema.columns.firstIndex { $0.role == .time }
        for (g, group) in footer.rowGroups.enumerated() {
            var line = "row group \(g): \(group.rowCount) rows, \(group.chunks.reduce(0) { $0 + $1.length }) bytes"
            if let t = timeColumn, case .int(let lo, let hi) = group.chunks[t].statistics {
                line += ", time \(CivilTime.format(lo)) .. \(CivilTime.format(hi)) UTC"
            }
            out += line + "\n"
            if rowGroups {
                for (c, chunk) in group.chunks.enumerated() {
                    out += "  \(footer.schema.columns[c].name): \(chunk.encodingDescription), \(chunk.length) bytes at \(chunk.offset)"
                    out += ", nulls \(chunk.nullCount), \(statistics(chunk.statistics))\n"
                }
            }
        }
        return out
    }

    private static func ratio(_ raw: Int, _ stored: Int) -> String {
        guard stored > 0 else { return "-" }
        let r = Double(raw) / Double(stored)
        let scaled = Int((r * 100).rounded())
        return "\(scaled / 100).\(scaled % 100 < 10 ? "0" : "")\(scaled % 100)x"
    }

    private static func statistics(_ s: ChunkStatistics) -> String {
        switch s {
        case .none: "no min/max"
        case .int(let lo, let hi): "min \(lo) max \(hi)"
        case .float(let lo, let hi): "min \(lo) max \(hi)"
        case .string(let lo, let hi): "min \"\(lo)\" max \"\(hi)\""
        }
    }
}
