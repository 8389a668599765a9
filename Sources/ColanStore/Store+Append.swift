import ColanSupport
import ColanColumns
import ColanFormat

extension Store {
    /// Appends tables as new segments in one commit, without replacement or
    /// content-hash checks: for `colan gen`, whose rows are new by
    /// construction. Each table's metadata names its reportKind, interval,
    /// timezone and dimensions. Returns the bytes written.
    @discardableResult
    public func append(_ tables: [Table], zstd: ZstdPolicy = .cold) throws -> Int {
        let lock = try lock(waiting: {})
        defer { withExtendedLifetime(lock) {} }
        var next = manifest
        var written: [SegmentEntry] = []
        var bytes = 0
        for table in tables where table.rowCount > 0 {
            let m = table.metadata
            let kind = m["reportKind"] ?? "generic"
            let cuboid = RowKeys.cuboid(kind: kind, interval: m["interval"] ?? "NONE", zone: m["timezone"] ?? "UTC",
                                        dimensions: (m["dimensions"] ?? "").split(separator: ",").map(String.init))
            let (entry, size) = try writeSegment(table, cuboid: cuboid, kind: kind, next: &next, zstd: zstd)
            written.append(entry)
            bytes += size
        }
        try FileIO.syncDirectory(path + "/segments")
        next.segments += written
        try commitOrRollBack(next, written: written)
        return bytes
    }
}
