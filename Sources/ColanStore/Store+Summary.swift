import ColanSupport
import ColanTime
import ColanCatalog

extension Store {
    /// The text `colan info` prints for a store: report kinds and cuboids,
    /// their time ranges in their zones, rows, and bytes on disk against bytes imported.
    public func summary() throws -> String {
        var out = "\(path): colan store, manifest version \(Manifest.version)\n"
        var disk = 0
        for entry in manifest.segments { disk += (try? MappedFile(path: segmentPath(entry)).bytes.count) ?? 0 }
        let imported = manifest.sources.reduce(0) { $0 + $1.bytes }
        let rows = manifest.segments.reduce(0) { $0 + $1.rows }
        out += "\(manifest.sources.count) files imported (\(imported) bytes); \(manifest.segments.count) segments, \(rows) rows, "
        out += "\(disk) bytes on disk"
        if imported > 0 { out += " (\(TextFormat.decimal(Double(disk) / Double(imported) * 100))% of the bytes imported)" }
        out += "\n"
        var table: [[String]] = [["report", "interval", "zone", "dimensions", "segments", "rows", "first", "last"]]
        for cuboid in Set(manifest.segments.map(\.cuboid)).sorted() {
            let entries = manifest.segments.filter { $0.cuboid == cuboid }
            guard let c = Cuboid(encoded: cuboid) else { continue }
            let zone = try? ZoneOffsets.named(c.zone)
            func local(_ t: Int64?) -> String {
                guard let t else { return "-" }
                return CivilTime.format(t + (zone?.offset(atUTC: t) ?? 0))
            }
            table.append([c.kind, c.interval, c.zone, c.dimensions.isEmpty ? "(All)" : c.dimensions.joined(separator: ","), String(entries.count),
                          String(entries.reduce(0) { $0 + $1.rows }), local(entries.compactMap(\.minTime).min()),
                          local(entries.compactMap(\.maxTime).max())])
        }
        out += TextTable.render(table, rightAligned: [4, 5])
        return out
    }
}
