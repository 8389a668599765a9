import Dispatch
import ColanSupport

extension Table {
    /// A reference to one row of one of several tables.
    public struct RowRef: Sendable, Equatable {
        /// Index of the table.
        public var table: Int
        /// Row within it.
        public var row: Int
        /// Creates a reference.
        public init(table: Int, row: Int) { self.table = table; self.row = row }
    }

    /// A new table of the given rows of `tables`, in the given order; its
    /// columns are the union of theirs by name (first-seen order), a column a
    /// table lacks being null there. Used to drop replaced rows, and to merge
    /// and sort segments when compacting.
    /// - Throws: when one name has incompatible types (an integer column
    ///   meeting a float one becomes float; anything else is an error).
    public static func gather(_ tables: [Table], rows: [RowRef], metadata: [String: String]) throws -> Table {
        var names: [String] = []
        var schemaByName: [String: ColumnSchema] = [:]
        for t in tables {
            for c in t.schema.columns {
                if var existing = schemaByName[c.name] {
                    if existing.type != c.type {
                        let numbers: Set<PhysicalType> = [.int64, .float64]
                        guard numbers.contains(existing.type) && numbers.contains(c.type) else {
                            throw ColanError(.store, "column '\(c.name)' is \(existing.type) in one segment and \(c.type) in another")
                        }
                        existing.type = .float64
                        schemaByName[c.name] = existing
                    }
                } else {
                    names.append(c.name)
                    schemaByName[c.name] = c
                }
            }
        }
        var columns: [ColumnData] = []
        for name in names {
            guard let schema = schemaByName[name] else { continue }
            let sources = tables.map { t in t.schema.index(of: name).map { t.columns[$0] } }
            columns.append(gatherColumn(schema.type, sources, rows))
        }
        return Table(schema: Schema(names.compactMap { schemaByName[$0] }), columns: columns, metadata: metadata)
    }

    private static func gatherColumn(_ type: PhysicalType, _ sources: [ColumnData?], _ rows: [RowRef]) -> ColumnData {
        var validity: [Bool] = []
        validity.reserveCapacity(rows.count)
        var anyNull = false
        func valid(_ r: RowRef) -> Bool {
            guard let c = sources[r.table] else { return false }
            return c.validity?[r.row] ?? true
        }
        for r in rows {
            let v = valid(r)
            validity.append(v)
            anyNull = anyNull || !v
        }
        let values: ColumnValues
        switch type {
        case .int64, .timestamp:
            values = .int64(rows.map { r in
                if case .int64(let v) = sources[r.table]?.values { return v[r.row] }
                return 0
            })
        case .float64:
            values = .float64(rows.map { r in
                switch sources[r.table]?.values {
                case .float64(let v): return v[r.row]
                case .int64(let v): return Double(v[r.row])
                default: return 0
                }
            })
        case .bool:
            values = .bool(rows.map { r in
                if case .bool(let v) = sources[r.table]?.values { return v[r.row] }
                return false
            })
        case .string:
            var dictionary: [String] = []
            var index: [String: UInt32] = [:]
            // Each source's dictionary is translated once; rows then map codes.
            let translations: [[UInt32]] = sources.map { source in
                let local: [String]
                switch source?.values {
                case .dictionary(let d, _): local = d
                case .string(let s): local = s
                default: local = []
                }
                return local.map { s in
                    if let c = index[s] { return c }
                    index[s] = UInt32(dictionary.count)
                    dictionary.append(s)
                    return UInt32(dictionary.count - 1)
                }
            }
            let codes = rows.map { r -> UInt32 in
                switch sources[r.table]?.values {
                case .dictionary(_, let c): return translations[r.table][Int(c[r.row])]
                case .string: return translations[r.table][r.row]
                default: return 0
                }
            }
            values = .dictionary(dictionary: dictionary.isEmpty ? [""] : dictionary, codes: codes)
        }
        return ColumnData(values, validity: anyNull ? validity : nil)
    }
}

extension Table {
    /// The rows of `tables` one after another, columns matched by name as in
    /// `gather`; columns are appended whole (dictionary codes translated once
    /// per table), so concatenating is a copy, not a per-row walk.
    public static func concatenate(_ tables: [Table], metadata: [String: String]) throws -> Table {
        guard let first = tables.first else { return Table(schema: Schema([]), columns: [], metadata: metadata) }
        // Same schema everywhere (the common case: one vendor's daily files): append column by column.
        guard tables.allSatisfy({ $0.schema == first.schema }) else {
            var refs: [RowRef] = []
            for (t, table) in tables.enumerated() { for r in 0..<table.rowCount { refs.append(RowRef(table: t, row: r)) } }
            return try gather(tables, rows: refs, metadata: metadata)
        }
        let rows = tables.reduce(0) { $0 + $1.rowCount }
        /// The parts' arrays one after another, in an array sized once (no regrowing of big arrays).
        @Sendable func joined<T>(_ parts: [[T]]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(rows)
            for p in parts { out.append(contentsOf: p) }
            return out
        }
        // Columns are independent: concatenated in parallel (an import's commit waits for this).
        let slots = Slots<ColumnData>(count: first.schema.columns.count)
        DispatchQueue.concurrentPerform(iterations: first.schema.columns.count) { c in
            let parts = tables.map { $0.columns[c] }
            let anyNull = parts.contains { $0.validity != nil }
            let validity: [Bool]? = anyNull ? joined(parts.map { $0.validity ?? [Bool](repeating: true, count: $0.count) }) : nil
            let values: ColumnValues
            switch parts[0].values {
            case .int64: values = .int64(joined(parts.map { if case .int64(let v) = $0.values { return v } else { return [] } }))
            case .float64: values = .float64(joined(parts.map { if case .float64(let v) = $0.values { return v } else { return [] } }))
            case .bool: values = .bool(joined(parts.map { if case .bool(let v) = $0.values { return v } else { return [] } }))
            case .string, .dictionary:
                // Keyed by bytes with TextDictionary's fast hash: String hashing would dominate the copy.
                var merged = TextDictionary()
                var codes: [UInt32] = []
                codes.reserveCapacity(rows)
                for part in parts {
                    let (local, localCodes): ([String], [UInt32])
                    switch part.values {
                    case .dictionary(let d, let k): (local, localCodes) = (d, k)
                    case .string(let s): (local, localCodes) = (s, (0..<UInt32(s.count)).map { $0 })
                    default: (local, localCodes) = ([], [])
                    }
                    let translation = local.map { merged.code(of: $0) }
                    for code in localCodes { codes.append(translation[Int(code)]) }
                }
                values = .dictionary(dictionary: merged.count == 0 ? [""] : merged.strings, codes: codes)
            }
            slots.set(c, ColumnData(values, validity: validity))
        }
        let columns = slots.filled
        return Table(schema: first.schema, columns: columns, metadata: metadata)
    }
}

extension Table {
    /// Keeps the rows `keep` marks, in order, compacting each column's arrays where they are: a
    /// segment of millions of rows loses its replaced rows without a second copy of it in memory
    /// (`gather` makes one). Dictionaries stay whole, as `gather` keeps them; a validity with no
    /// null left goes, as `gather` leaves none.
    public mutating func keepRows(_ keep: [Bool]) {
        precondition(keep.count == rowCount, "one mark per row")
        func compact<T>(_ values: inout [T]) {
            var w = 0
            for r in keep.indices where keep[r] {
                values[w] = values[r]
                w += 1
            }
            values.removeLast(values.count - w)
        }
        for c in columns.indices {
            // The table lets go of the column, and the column of its array, before it is compacted:
            // the array is then referenced once and changed where it is (no copy on write).
            var column = columns[c]
            columns[c] = ColumnData(.bool([]))
            /// Compacts the column's values when `take` finds them of its kind: taken out of the column
            /// (their only reference then), compacted, put back by the function `take` gives with them.
            /// (No `switch` over the values: its subject could keep a second reference alive.)
            func compacted<T>(_ take: (ColumnValues) -> ([T], ([T]) -> ColumnValues)?) -> Bool {
                guard case (var values, let make)? = take(column.values) else { return false }
                column.values = .bool([])
                compact(&values)
                column.values = make(values)
                return true
            }
            _ = compacted { if case .int64(let v) = $0 { return (v, ColumnValues.int64) }; return nil }
                || compacted { if case .float64(let v) = $0 { return (v, ColumnValues.float64) }; return nil }
                || compacted { if case .bool(let v) = $0 { return (v, ColumnValues.bool) }; return nil }
                || compacted { if case .string(let v) = $0 { return (v, ColumnValues.string) }; return nil }
                || compacted { if case .dictionary(let d, let codes) = $0 { return (codes, { .dictionary(dictionary: d, codes: $0) }) }; return nil }
            if var validity = column.validity {
                column.validity = nil
                compact(&validity)
                column.validity = validity.contains(false) ? validity : nil
            }
            columns[c] = column
        }
    }
}
