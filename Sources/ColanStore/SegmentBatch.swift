import ColanColumns

/// Consecutive reports of one cuboid on their way into one segment, joined
/// into the segment's columns as they arrive.
///
/// Joining each report as it comes (instead of holding them all and
/// concatenating at the end) lets every report's own arrays go at once, and
/// the joined arrays are kept, emptied, for the next segment of the import
/// (`recycle`): an import of a year of daily files faults in about one
/// segment's worth of memory instead of every parsed row plus a copy of each
/// segment. Rows come out exactly as `Table.concatenate` of the reports would
/// give them (same columns, values, dictionary codes).
///
/// Joined rows are known to be in scan order, without the segment-sized
/// check `Store.writeSegment` would otherwise make (a counting pass over each
/// dimension's codes, then a pass over the rows), when every report was in
/// scan order, each began after the one before it ended, and each was sorted
/// by the same dimensions as the joined rows call for: the distinct counts
/// those choices rest on are counted as the reports' codes are translated.
struct SegmentBatch {
    /// Rows a segment of joined reports holds at most: the joined arrays are reserved for that many.
    let segmentRows: Int
    /// The first report's cuboid, kind and metadata (the segment's).
    private(set) var cuboid = ""
    private(set) var kind = ""
    private var metadata: [String: String] = [:]
    /// Rows and reports so far.
    private(set) var rowCount = 0
    private(set) var reportCount = 0
    /// Whether the only report's rows are in scan order (meaningful for one report).
    private var firstInScanOrder = false
    /// Each row's source file (the `_source` column).
    private var sources: [Int64] = []
    /// The first report, kept as it is until a second one comes: a report alone is a segment without a copy.
    private var pending: Table?
    /// The joined columns, while every report has the schema of the first.
    private var schema: Schema?
    private var joined: [JoinedColumn] = []
    /// Reports whose schema differs: from the first such one on, reports are
    /// kept whole and concatenated at the end (`Table.concatenate` unites their columns).
    private var parts: [Table]?
    /// Emptied arrays of earlier segments, by element type, for the next one.
    private var spare = SpareArrays()
    /// Whether the last `take` gave joined arrays (only those are this batch's to recycle).
    private var tookJoined = false
    /// Whether the joined rows are still known to be in scan order (see above), the last
    /// report's end, and the sort dimensions (column positions) of the reports so far.
    private var ordered = false
    private var lastEnd = Int64.min
    private var reportDimensions: [Int]?

    init(segmentRows: Int) { self.segmentRows = segmentRows }

    var isEmpty: Bool { reportCount == 0 }

    /// Adds a report's rows, from the file with manifest id `source`.
    mutating func append(_ item: IncomingReport) {
        let table = item.table
        if reportCount == 0 {
            cuboid = item.cuboid
            kind = item.kind
            // Cuboid-level metadata only: totals live in the manifest, filters in the rows
            // (a filter's `fixed.` key is kept while every report agrees).
            metadata = table.metadata.filter { ["reportKind", "interval", "timezone", "dimensions"].contains($0.key) || $0.key.hasPrefix("fixed.") }
            firstInScanOrder = item.inScanOrder
            pending = table
            sources = spare.ints.popLast() ?? []
            ordered = item.inScanOrder && item.lo != nil
            lastEnd = item.hi ?? .max
            reportDimensions = nil
        } else {
            for (key, value) in metadata where key.hasPrefix("fixed.") && table.metadata[key] != value { metadata[key] = nil }
            if let first = pending {
                pending = nil
                startJoining(first)
            }
            if ordered, item.inScanOrder, let lo = item.lo, lo > lastEnd, let hi = item.hi {
                lastEnd = hi
            } else {
                ordered = false
            }
            if parts == nil, table.schema == schema {
                join(table, rowsBefore: rowCount)
            } else {
                if parts == nil { parts = [takeJoined()] }
                parts?.append(table)
            }
        }
        if let runs = item.sourceRows {
            for run in runs { sources.append(contentsOf: repeatElement(run.source, count: run.rows)) }
        } else {
            sources.append(contentsOf: repeatElement(item.source, count: table.rowCount))
        }
        rowCount += table.rowCount
        reportCount += 1
    }

    /// The segment's table (with its `_source` column) and whether its rows
    /// are known to be in scan order; the batch is empty afterwards. Give the
    /// table back with `recycle` once it is written.
    mutating func take() throws -> (table: Table, inScanOrder: Bool) {
        var table: Table
        var inOrder = false
        tookJoined = false
        if let first = pending {
            table = first
        } else if let parts {
            table = try Table.concatenate(parts, metadata: [:])
        } else {
            inOrder = joinedInScanOrder()
            table = takeJoined()
            tookJoined = true
        }
        table.metadata = metadata
        table.schema.columns.append(ColumnSchema("_source", .int64, .attribute))
        table.columns.append(ColumnData(.int64(sources)))
        let inScanOrder = reportCount == 1 ? firstInScanOrder : inOrder
        pending = nil
        parts = nil
        schema = nil
        joined = []
        sources = []
        rowCount = 0
        reportCount = 0
        ordered = false
        reportDimensions = nil
        return (table, inScanOrder)
    }

    /// Keeps the arrays of a written segment's table, emptied, for the next
    /// segment. Only arrays nothing else holds are worth keeping (another
    /// holder would make emptying them a copy): pass the table's last reference.
    mutating func recycle(_ table: consuming Table) {
        var columns = table.columns
        _ = consume table
        // A report taken alone may still be held by its parsed file (emptying its arrays would copy
        // them): then only the `_source` column, always the batch's own, is kept.
        for c in tookJoined ? columns.indices : columns.indices.suffix(1) {
            let column = columns[c]
            columns[c] = ColumnData(.bool([]))
            spare.keep(consume column)
        }
    }

    /// Starts joined columns from the first report (a copy into reusable arrays).
    private mutating func startJoining(_ first: Table) {
        schema = first.schema
        joined = first.schema.columns.map { JoinedColumn(type: $0.type, dimension: $0.role == .dimension, spare: &spare) }
        for c in joined.indices { joined[c].reserve(segmentRows) }
        sources.reserveCapacity(segmentRows)
        join(first, rowsBefore: 0)
    }

    /// Appends a report's columns (its schema is the batch's), and checks that it
    /// was sorted by the same dimensions as the reports before it.
    private mutating func join(_ table: Table, rowsBefore: Int) {
        var candidates: [(distinct: Int, name: String, index: Int)] = []
        for c in joined.indices {
            let distinct = joined[c].append(table.columns[c], rowsBefore: rowsBefore, counting: ordered)
            guard joined[c].isDimension else { continue }
            // A dimension not counted (plain strings) leaves the report's sort unknown: the rows are checked.
            guard let distinct else { ordered = false; continue }
            candidates.append((distinct, table.schema.columns[c].name, c))
        }
        guard ordered else { return }
        // The dimensions the report's own sort chose (`Table.scanOrderDimensions`, from the same counts).
        let dimensions = Table.scanOrderDimensions(candidates)
        if reportDimensions == nil { reportDimensions = dimensions }
        if reportDimensions != dimensions { ordered = false }
    }

    /// Whether the joined rows are in scan order: reports in order (see above),
    /// sorted by the dimensions the joined rows' distinct counts choose.
    private func joinedInScanOrder() -> Bool {
        guard ordered, let reportDimensions, let schema else { return false }
        let candidates = joined.indices.compactMap { c in joined[c].joinedDistinct.map { ($0, schema.columns[c].name, c) } }
        return Table.scanOrderDimensions(candidates) == reportDimensions
    }

    /// The joined columns as a table (without metadata), moved out.
    private mutating func takeJoined() -> Table {
        let columns = joined.indices.map { joined[$0].take() }
        joined = []
        return Table(schema: schema ?? Schema([]), columns: columns)
    }
}

/// One column being joined: its values in the array of its type.
private struct JoinedColumn {
    private let type: PhysicalType
    /// Whether the column is a dimension of strings: a candidate for scan order's sort.
    let isDimension: Bool
    private var ints: [Int64] = []
    private var doubles: [Double] = []
    private var bools: [Bool] = []
    private var codes: [UInt32] = []
    private var dictionary = TextDictionary()
    private var validity: [Bool]?
    /// A dimension's joined codes that occur (by code), how many, and whether a null does:
    /// its distinct count, as scan order counts it, without a pass over the joined rows.
    private var used: [Bool] = []
    private var usedCount = 0
    private var anyNull = false
    /// Whether every report so far was counted (`append(counting: true)`).
    private var counted = true

    init(type: PhysicalType, dimension: Bool, spare: inout SpareArrays) {
        self.type = type
        isDimension = dimension && type == .string
        switch type {
        case .int64, .timestamp: ints = spare.ints.popLast() ?? []
        case .float64: doubles = spare.doubles.popLast() ?? []
        case .bool: bools = spare.bools.popLast() ?? []
        case .string: codes = spare.codes.popLast() ?? []
        }
    }

    /// The joined dimension's distinct values (a null counting as one), when every report was counted.
    var joinedDistinct: Int? { isDimension && counted ? usedCount + (anyNull ? 1 : 0) : nil }

    /// Makes room for `rows` values: reserved, not touched (pages are faulted only where rows land).
    mutating func reserve(_ rows: Int) {
        switch type {
        case .int64, .timestamp: ints.reserveCapacity(rows)
        case .float64: doubles.reserveCapacity(rows)
        case .bool: bools.reserveCapacity(rows)
        case .string: codes.reserveCapacity(rows)
        }
    }

    /// Appends a report's column (of this column's type, the schemas being equal).
    /// With `counting`, a dictionary-coded dimension also returns the report's
    /// distinct values (a null counting as one) and adds its values to the joined
    /// count; nil otherwise (not a dimension, plain strings, or not counting).
    mutating func append(_ part: ColumnData, rowsBefore: Int, counting: Bool) -> Int? {
        if let partValidity = part.validity {
            if validity == nil { validity = [Bool](repeating: true, count: rowsBefore) }
            validity?.append(contentsOf: partValidity)
        } else if validity != nil {
            validity?.append(contentsOf: repeatElement(true, count: part.count))
        }
        let counting = counting && isDimension && counted
        if isDimension && !counting { counted = false }
        switch part.values {
        case .int64(let v): ints.append(contentsOf: v)
        case .float64(let v): doubles.append(contentsOf: v)
        case .bool(let v): bools.append(contentsOf: v)
        case .dictionary(let local, let localCodes):
            // Each report's dictionary is translated once; its rows then map codes.
            let translation = local.map { dictionary.code(of: $0) }
            // Which local values occur (the last slot: a null), marked as the rows are translated;
            // with nulls, apart (a null row's code is a placeholder).
            var seen = counting ? [Bool](repeating: false, count: local.count + 1) : []
            JoinKernel.appendTranslated(localCodes, through: translation, to: &codes, marking: counting && part.validity == nil, seen: &seen)
            guard counting else { return nil }
            if let partValidity = part.validity {
                for (r, code) in localCodes.enumerated() { seen[partValidity[r] ? Int(code) : local.count] = true }
            }
            if used.count < dictionary.count { used.append(contentsOf: repeatElement(false, count: dictionary.count - used.count)) }
            var distinct = 0
            for k in local.indices where seen[k] {
                distinct += 1
                let joinedCode = Int(translation[k])
                if !used[joinedCode] {
                    used[joinedCode] = true
                    usedCount += 1
                }
            }
            if seen[local.count] {
                distinct += 1
                anyNull = true
            }
            return distinct
        case .string(let strings):
            for s in strings { codes.append(dictionary.code(of: s)) }
            // Plain strings are no sort candidate of their report: the joined rows are checked.
            counted = false
        }
        return nil
    }

    /// The joined values, moved out.
    mutating func take() -> ColumnData {
        let values: ColumnValues
        switch type {
        case .int64, .timestamp: values = .int64(ints)
        case .float64: values = .float64(doubles)
        case .bool: values = .bool(bools)
        case .string: values = .dictionary(dictionary: dictionary.count == 0 ? [""] : dictionary.strings, codes: codes)
        }
        let data = ColumnData(values, validity: validity)
        self = JoinedColumn(type: type, isDimension: isDimension)
        return data
    }

    private init(type: PhysicalType, isDimension: Bool) {
        self.type = type
        self.isDimension = isDimension
    }
}

/// Emptied arrays kept for reuse, by element type.
private struct SpareArrays {
    var ints: [[Int64]] = []
    var doubles: [[Double]] = []
    var bools: [[Bool]] = []
    var codes: [[UInt32]] = []

    /// Keeps the column's arrays, emptied (their capacity stays).
    mutating func keep(_ column: consuming ColumnData) {
        var validity = column.validity
        let values = column.values
        _ = consume column
        if validity != nil {
            validity?.removeAll(keepingCapacity: true)
            if let v = validity { bools.append(v) }
        }
        switch consume values {
        case .int64(var v): v.removeAll(keepingCapacity: true); ints.append(v)
        case .float64(var v): v.removeAll(keepingCapacity: true); doubles.append(v)
        case .bool(var v): v.removeAll(keepingCapacity: true); bools.append(v)
        case .dictionary(_, var codes): codes.removeAll(keepingCapacity: true); self.codes.append(codes)
        case .string: break
        }
    }
}
