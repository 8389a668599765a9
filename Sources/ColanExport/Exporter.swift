#if canImport(Glibc)
import Glibc
#endif
import ColanSupport
@_spi(Benchmarks) import ColanTime
import ColanColumns
import ColanCatalog
import ColanFormat
import ColanStore
import ColanEngine

/// `colan export`: the store as datasets other engines read (docs/EXPORT.md). One dataset per
/// report kind and cuboid (so no engine can add an "All devices" row to per-device rows), each a
/// Hive-partitioned folder of Parquet (or CSV) files, and a description of them beside the data
/// (`_colan.json`, `README.txt`). Written segment by segment, row group by row group, under a
/// dot-prefixed temporary folder that replaces the export at the end in one rename.
public enum Exporter {
    /// What to export and how.
    public struct Options: Sendable {
        /// The export's folder (created, or replaced when it holds an earlier export).
        public var out: String
        /// Only this report kind; nil: every kind.
        public var report: String?
        /// First and last local date exported, in each dataset's own zone.
        public var from: String?
        /// See `from`.
        public var to: String?
        /// Hive partitions: `month=YYYY-MM`, `day=YYYY-MM-DD`, or none.
        public var partition: Partition = .month
        /// Parquet, or CSV for spreadsheet users.
        public var format: Format = .parquet

        /// Options for an export to `out`.
        public init(out: String) { self.out = out }
    }

    /// How files are partitioned.
    public enum Partition: String, Sendable, CaseIterable { case month, day, none }
    /// The files' format.
    public enum Format: String, Sendable, CaseIterable { case parquet, csv }

    /// What an export wrote.
    public struct Outcome: Sendable {
        /// The datasets, their folders relative to the export.
        public var datasets: [Dataset] = []
        /// Files written in all.
        public var files = 0
        /// Rows written in all.
        public var rows = 0
        /// Bytes of data files.
        public var bytes = 0
    }

    /// One dataset: a report kind's cuboid.
    public struct Dataset: Sendable {
        /// Its folder, relative to the export.
        public var path: String
        /// Its report kind.
        public var report: String
        /// Its cuboid's interval, zone and dimensions.
        public var interval: String
        /// See `interval`.
        public var zone: String
        /// See `interval`.
        public var dimensions: [String]
        /// Its columns: name, type as written, and kind (how it aggregates).
        public var columns: [(name: String, type: String, kind: String)]
        /// Rows and files written.
        public var rows = 0
        /// See `rows`.
        public var files = 0
    }

    /// Rows buffered per partition before they are written as one row group.
    static let rowGroupRows = 262_144

    /// Runs the export.
    public static func run(_ options: Options, store: Store) throws -> Outcome {
        let out = options.out.hasSuffix("/") && options.out.count > 1 ? String(options.out.dropLast()) : options.out
        if FileIO.exists(out) {
            guard FileIO.isDirectory(out), FileIO.exists(out + "/_colan.json") || FileIO.listDirectory(out).isEmpty else {
                throw ColanError(.usage, "\(out) exists and is not a colan export", hint: "choose another --out, or remove it first")
            }
        }
        let slash = out.lastIndex(of: "/")
        let parent = slash.map { String(out[..<$0]) } ?? "."
        let base = slash.map { String(out[out.index(after: $0)...]) } ?? out
        try FileIO.makeDirectory(parent.isEmpty ? "/" : parent)
        let temporary = (parent.isEmpty ? "" : parent + "/") + ".\(base).colan-export-\(getpid())"
        FileIO.removeTree(temporary)
        try FileIO.makeDirectory(temporary)
        do {
            var outcome = Outcome()
            let cuboids = Dictionary(grouping: store.segments.filter { options.report == nil || $0.kind == options.report }, by: \.cuboid)
            if let report = options.report, cuboids.isEmpty {
                throw ColanError(.usage, "no \(report) reports in the store",
                                 hint: "in this store: " + Set(store.segments.map(\.kind)).sorted().joined(separator: ", "))
            }
            var used = Set<String>()
            for cuboid in cuboids.keys.sorted() {
                let segments = (cuboids[cuboid] ?? []).sorted { ($0.minTime ?? .min, $0.name) < ($1.minTime ?? .min, $1.name) }
                var dataset = try exportDataset(segments, cuboid: cuboid, options: options, store: store, into: temporary, used: &used)
                guard dataset.rows > 0 else { continue }
                outcome.rows += dataset.rows
                outcome.files += dataset.files
                dataset.path = String(dataset.path.dropFirst(temporary.count + 1))
                outcome.datasets.append(dataset)
            }
            outcome.bytes = try totalBytes(temporary)
            let description = ExportDescription(outcome: outcome, options: options, store: store.path)
            try FileIO.write(Array(description.json().utf8), to: temporary + "/_colan.json", sync: true)
            try FileIO.write(Array(description.readme().utf8), to: temporary + "/README.txt", sync: true)
            try FileIO.syncDirectory(temporary)
            // Replace: the earlier export moves aside, the new one takes its name, the earlier one goes.
            let old = (parent.isEmpty ? "" : parent + "/") + ".\(base).colan-export-old-\(getpid())"
            if FileIO.exists(out) { try FileIO.rename(out, to: old) }
            try FileIO.rename(temporary, to: out)
            try FileIO.syncDirectory(parent.isEmpty ? "/" : parent)
            FileIO.removeTree(old)
            return outcome
        } catch {
            FileIO.removeTree(temporary)
            throw error
        }
    }

    /// Characters safe in a folder name of every engine and file system.
    static func safe(_ s: String) -> String {
        String(s.map { c in c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "." || c == "_") ? c : "_" })
    }

    /// Writes one cuboid's dataset; returns its description (its path absolute).
    static func exportDataset(_ segments: [SegmentEntry], cuboid: String, options: Options, store: Store, into root: String,
                              used: inout Set<String>) throws -> Dataset {
        guard let c = Cuboid(encoded: cuboid) else { throw ColanError(.store, "the cuboid '\(cuboid)' is not KIND|INTERVAL|ZONE|DIMENSIONS") }
        let (kind, interval, zoneName, dims) = (c.kind, c.interval, c.zone, c.dimensions)
        var name = safe(interval.lowercased()) + "." + safe(zoneName) + "." + (dims.isEmpty ? "all" : dims.map(safe).joined(separator: "+"))
        while used.contains(kind + "/" + name) { name += "_" }
        used.insert(kind + "/" + name)
        let folder = root + "/" + safe(kind) + "/" + name
        try FileIO.makeDirectory(folder)
        let zone = try ZoneOffsets.named(zoneName)
        let readers = try segments.map { try SegmentReader(path: store.segmentPath($0)) }
        // The dataset's columns: every segment's, in first-seen order (the time first); a column some
        // segments lack is null in their rows; integers and floats under one name become doubles.
        var columns: [ColumnSchema] = []
        for reader in readers {
            for c in reader.schema.columns where !c.name.hasPrefix("_") {
                if let i = columns.firstIndex(where: { $0.name == c.name }) {
                    if columns[i].type != c.type {
                        guard [PhysicalType.int64, .float64].contains(columns[i].type) && [PhysicalType.int64, .float64].contains(c.type) else {
                            throw ColanError(.store, "column '\(c.name)' is \(columns[i].type) in one segment and \(c.type) in another", file: reader.path)
                        }
                        columns[i].type = .float64
                    }
                } else {
                    columns.append(c)
                }
            }
        }
        columns.sort { ($0.role == .time ? 0 : 1) < ($1.role == .time ? 0 : 1) }
        let timed = columns.first?.role == .time
        let partition: Partition = timed ? options.partition : .none
        let partitionName = columns.contains { $0.name == partition.rawValue } ? "colan_" + partition.rawValue : partition.rawValue
        let range = try localRange(options)
        var dataset = Dataset(path: folder, report: kind, interval: interval, zone: zoneName, dimensions: dims,
                              columns: columns.map { ($0.name, typeName($0.type), kindName($0.role)) })
        var sink = PartitionSink(folder: folder, columns: columns, partitionName: partitionName, format: options.format,
                                 keyValues: [("colan.cuboid", cuboid), ("colan.report", kind)])
        for reader in readers {
            for g in reader.footer.rowGroups.indices {
                let n = reader.footer.rowGroups[g].rowCount
                guard n > 0 else { continue }
                var vectors: [ColumnVector?] = []
                for c in columns { vectors.append(try reader.schema.index(of: c.name).map { try reader.read(column: $0, rowGroup: g) }) }
                // Each row's local day (a zone lookup only where a row leaves the previous row's day:
                // rows run in time order), then runs of rows of one partition, in the range.
                var days = [Int64](repeating: 0, count: n)
                if timed, let v = vectors[0], case .int64(let t) = v.values {
                    var lo = Int64.max, hi = Int64.min, day: Int64 = 0
                    for i in 0..<n {
                        let time = t.pointer[i]
                        if time < lo || time >= hi {
                            let offset = zone.offset(atUTC: time)
                            day = BucketTable.floorDiv(time + offset, 86400)
                            lo = day * 86400 - offset
                            hi = lo + 86400
                            // An offset change inside the day ends the shortcut there.
                            if let change = zone.changes(from: time + 1, to: hi).first { hi = change.instant }
                            if time < lo { lo = time }
                        }
                        days[i] = day
                    }
                }
                var start = 0
                while start < n {
                    let key = partitionKey(days[start], partition)
                    var end = start + 1
                    while end < n && (days[end] == days[start] || partitionKey(days[end], partition) == key) { end += 1 }
                    if let range {
                        // Rows of days outside the range are left out, run by run.
                        var i = start
                        while i < end {
                            var j = i
                            while j < end && range.contains(days[j]) == range.contains(days[i]) { j += 1 }
                            if range.contains(days[i]) { try sink.add(key: partitionLabel(key, partition), rows: i..<j, vectors: vectors) }
                            i = j
                        }
                    } else {
                        try sink.add(key: partitionLabel(key, partition), rows: start..<end, vectors: vectors)
                    }
                    start = end
                }
            }
        }
        try sink.finish()
        dataset.rows = sink.rows
        dataset.files = sink.files
        return dataset
    }

    /// A day's partition as a number: its month (year * 12 + month - 1), the day itself, or 0.
    static func partitionKey(_ day: Int64, _ partition: Partition) -> Int64 {
        switch partition {
        case .none: return 0
        case .day: return day
        case .month:
            let (y, m, _) = CivilTime.date(days: Int(day))
            return Int64(y * 12 + m - 1)
        }
    }

    /// The Hive partition value of a key: YYYY-MM, YYYY-MM-DD, or "" (no partition).
    static func partitionLabel(_ key: Int64, _ partition: Partition) -> String {
        switch partition {
        case .none: return ""
        case .day: return String(CivilTime.format(key * 86400).prefix(10))
        case .month:
            let y = Int(key / 12), m = Int(key % 12) + 1
            return "\(y)-\(m < 10 ? "0" : "")\(m)"
        }
    }

    /// The export's --from/--to as local day numbers, if given.
    static func localRange(_ options: Options) throws -> ClosedRange<Int64>? {
        guard options.from != nil || options.to != nil else { return nil }
        let lo = try options.from.map(ResultShaping.day) ?? .min
        let hi = try options.to.map(ResultShaping.day) ?? .max
        guard lo <= hi else { throw ColanError(.usage, "--from \(options.from ?? "") is after --to \(options.to ?? "")") }
        return lo...hi
    }

    static func typeName(_ t: PhysicalType) -> String {
        switch t {
        case .timestamp: "timestamp"
        case .int64: "int64"
        case .float64: "double"
        case .bool: "boolean"
        case .string: "string"
        }
    }

    static func kindName(_ role: ColumnRole) -> String {
        switch role {
        case .time: "time"
        case .dimension: "dimension"
        case .metric(.additive): "additive"
        case .metric(.distinctCount): "distinct count"
        case .metric(.gauge): "gauge"
        case .metric(.derived): "ratio"
        default: "attribute"
        }
    }

    static func totalBytes(_ folder: String) throws -> Int {
        var total = 0
        for file in try FileIO.filesUnder(folder) where file.hasSuffix(".parquet") || file.hasSuffix(".csv") {
            total += try FileIO.withContents(of: file) { $0.count }
        }
        return total
    }
}

/// A dataset's partitions, written as rows arrive: rows buffered for the current partition and
/// written as row groups of up to `Exporter.rowGroupRows` rows. Rows come in time order, so when
/// a row of another partition arrives the current one is finished (its file closed): memory holds
/// one buffer and one open file. A partition that receives rows again later (segments overlapping
/// in time) gets its next file, part-0001 and on.
struct PartitionSink {
    let folder: String
    let columns: [ColumnSchema]
    let partitionName: String
    let format: Exporter.Format
    let keyValues: [(String, String)]
    private var current: String?
    private var buffer: ExportBuffer
    private var parquet: ParquetWriter?
    private var csv: AppendFile?
    /// Files written per partition (the next file's number).
    private var parts: [String: Int] = [:]
    private(set) var rows = 0
    private(set) var files = 0

    init(folder: String, columns: [ColumnSchema], partitionName: String, format: Exporter.Format, keyValues: [(String, String)]) {
        self.folder = folder
        self.columns = columns
        self.partitionName = partitionName
        self.format = format
        self.keyValues = keyValues
        buffer = ExportBuffer(columns: columns)
    }

    mutating func add(key: String, rows selected: Range<Int>, vectors: [ColumnVector?]) throws {
        if key != current {
            try finishPartition()
            current = key
        }
        buffer.append(selected, vectors)
        rows += selected.count
        if buffer.count >= Exporter.rowGroupRows { try flush() }
    }

    /// Writes the buffered rows as a row group of the current partition's open file.
    private mutating func flush() throws {
        guard buffer.count > 0, let key = current else { return }
        if parquet == nil && csv == nil {
            let directory = key.isEmpty ? folder : folder + "/" + partitionName + "=" + key
            try FileIO.makeDirectory(directory)
            let part = parts[key, default: 0]
            parts[key] = part + 1
            let name = directory + "/part-" + String(repeating: "0", count: max(0, 4 - String(part).count)) + String(part)
            switch format {
            case .parquet:
                parquet = try ParquetWriter(path: name + ".parquet", columns: buffer.parquetColumns, keyValues: keyValues)
            case .csv:
                let file = try AppendFile(path: name + ".csv")
                var header: [UInt8] = []
                for (c, column) in columns.enumerated() {
                    if c > 0 { header.append(44) }
                    TextFormat.appendCSV(column.name, to: &header)
                }
                header.append(10)
                try file.append(header)
                csv = file
            }
            files += 1
        }
        if let parquet { try parquet.writeRowGroup(count: buffer.count, buffer.parquetValues()) }
        if let csv { try csv.append(buffer.csvRows()) }
        buffer = ExportBuffer(columns: columns)
    }

    /// Writes what is buffered and closes the current partition's file.
    private mutating func finishPartition() throws {
        try flush()
        try parquet?.close(sync: true)
        try csv?.close(sync: true)
        parquet = nil
        csv = nil
    }

    mutating func finish() throws {
        try finishPartition()
        current = nil
    }
}

/// Rows of a dataset gathered for one row group: per column, values and validity; strings as
/// codes into the buffer's own dictionary.
struct ExportBuffer {
    let columns: [ColumnSchema]
    private(set) var count = 0
    private var ints: [[Int64]]
    private var doubles: [[Double]]
    private var codes: [[UInt32]]
    private var dictionaries: [[String]]
    private var indexes: [[String: UInt32]]
    /// Per column, which rows hold a value; empty while every row does (filled at the first null).
    private var valid: [[Bool]]

    init(columns: [ColumnSchema]) {
        self.columns = columns
        let n = columns.count
        ints = Array(repeating: [], count: n)
        doubles = Array(repeating: [], count: n)
        codes = Array(repeating: [], count: n)
        dictionaries = Array(repeating: [], count: n)
        indexes = Array(repeating: [:], count: n)
        valid = Array(repeating: [], count: n)
    }

    /// Appends rows `rows` of a row group's decoded vectors (one per column, nil for a column the
    /// segment lacks); `rows` lies within the row group the vectors were decoded from.
    mutating func append(_ rows: Range<Int>, _ vectors: [ColumnVector?]) {
        let n = rows.count
        for (c, column) in columns.enumerated() {
            guard let v = vectors[c] else {
                // A column this segment lacks: nulls.
                if valid[c].isEmpty { valid[c] = [Bool](repeating: true, count: count) }
                valid[c] += [Bool](repeating: false, count: n)
                switch column.type {
                case .string: codes[c] += [UInt32](repeating: 0, count: n)
                case .float64: doubles[c] += [Double](repeating: 0, count: n)
                default: ints[c] += [Int64](repeating: 0, count: n)
                }
                continue
            }
            if v.validity == nil || rows.allSatisfy(v.isValid) {
                if !valid[c].isEmpty { valid[c] += [Bool](repeating: true, count: n) }
            } else {
                if valid[c].isEmpty { valid[c] = [Bool](repeating: true, count: count) }
                valid[c] += rows.map(v.isValid)
            }
            switch v.values {
            case .int64(let p):
                if column.type == .float64 { doubles[c] += p.copy(rows).map(Double.init) } else { ints[c] += p.copy(rows) }
            case .float64(let p):
                doubles[c] += p.copy(rows)
            case .string(let dictionary, let local):
                // The chunk's dictionary translated to the buffer's once.
                let translation = dictionary.map { s -> UInt32 in
                    if let code = indexes[c][s] { return code }
                    let code = UInt32(dictionaries[c].count)
                    indexes[c][s] = code
                    dictionaries[c].append(s)
                    return code
                }
                codes[c] += local.translate(rows, through: translation)
            }
        }
        count += n
    }

    var parquetColumns: [ParquetWriter.Column] {
        columns.map { c in
            let kind: ParquetWriter.Column.Kind
            switch c.type {
            case .timestamp: kind = .timestamp
            case .string: kind = .string
            case .float64: kind = .double
            case .bool: kind = .boolean
            case .int64: kind = .int64
            }
            return ParquetWriter.Column(name: c.name, kind: kind)
        }
    }

    func parquetValues() -> [ParquetWriter.Values] {
        columns.enumerated().map { c, column in
            let v = valid[c].isEmpty ? nil : valid[c]
            switch column.type {
            case .timestamp: return .int64(ints[c].map { $0 &* 1_000_000 }, valid: nil)
            case .string:
                // A dictionary with no entry (every row null) still needs one for the codes' placeholder.
                return .strings(dictionary: dictionaries[c].isEmpty ? [""] : dictionaries[c], codes: codes[c], valid: v)
            case .float64: return .double(doubles[c], valid: v)
            case .bool: return .boolean(ints[c].map { $0 != 0 }, valid: v)
            case .int64: return .int64(ints[c], valid: v)
            }
        }
    }

    func csvRows() -> [UInt8] {
        var out: [UInt8] = []
        for r in 0..<count {
            for (c, column) in columns.enumerated() {
                if c > 0 { out.append(44) }
                guard valid[c].isEmpty || valid[c][r] else { continue }
                switch column.type {
                case .timestamp:
                    let t = CivilTime.format(ints[c][r])
                    out += Array((String(t.prefix(10)) + "T" + String(t.suffix(8)) + "Z").utf8)
                case .string: TextFormat.appendCSV(dictionaries[c][Int(codes[c][r])], to: &out)
                case .float64: out += Array(String(doubles[c][r]).utf8)
                case .bool: out += Array((ints[c][r] != 0 ? "true" : "false").utf8)
                case .int64: TextFormat.appendInteger(ints[c][r], to: &out)
                }
            }
            out.append(10)
        }
        return out
    }
}
