import ColanColumns

extension SegmentReader {
    /// Decodes the whole segment back into a `Table` (every column, every row
    /// group). For tests, `colan info --rows` and small files; queries read
    /// chunk by chunk instead.
    ///
    /// A null row comes back with a placeholder value (0, 0.0, false, or
    /// some dictionary entry) and `false` in `validity`; columns without nulls
    /// have `validity == nil`. String columns come back dictionary-coded.
    /// `only`: just the columns of these names (the rest are never decoded).
    public func readTable(only names: Set<String>? = nil) throws -> Table {
        var columns: [ColumnData] = []
        var kept: [ColumnSchema] = []
        for (c, column) in schema.columns.enumerated() where names?.contains(column.name) ?? true {
            kept.append(column)
            var ints: [Int64] = [], floats: [Double] = [], codes: [UInt32] = []
            var dictionary: [String] = []
            var index: [String: UInt32] = [:]
            var validity: [Bool] = []
            var anyNull = false
            for g in footer.rowGroups.indices {
                let vector = try read(column: c, rowGroup: g)
                // Each chunk's dictionary is translated to the table's once.
                var translation: [UInt32] = []
                if case .string(let d, _) = vector.values {
                    translation = d.map { s in
                        if let code = index[s] { return code }
                        index[s] = UInt32(dictionary.count)
                        dictionary.append(s)
                        return UInt32(dictionary.count - 1)
                    }
                }
                // The kind is switched on once a chunk, not once a value (each switch retained its buffers).
                let n = vector.count
                let valid = vector.validity.map { bits in (0..<n).map { bits[$0 >> 6] & (1 << UInt64($0 & 63)) != 0 } }
                    ?? [Bool](repeating: true, count: n)
                validity += valid
                anyNull = anyNull || valid.contains(false)
                switch vector.values {
                case .int64(let b): ints += (0..<n).map { valid[$0] ? b.pointer[$0] : 0 }
                case .float64(let b): floats += (0..<n).map { valid[$0] ? b.pointer[$0] : 0 }
                case .string(_, let chunkCodes): codes += (0..<n).map { translation[Int(chunkCodes.pointer[$0])] }
                }
            }
            let values: ColumnValues
            switch column.type {
            case .int64, .timestamp: values = .int64(ints)
            case .bool: values = .bool(ints.map { $0 != 0 })
            case .float64: values = .float64(floats)
            case .string: values = .dictionary(dictionary: dictionary.isEmpty ? [""] : dictionary, codes: codes)
            }
            columns.append(ColumnData(values, validity: anyNull ? validity : nil))
        }
        return Table(schema: names == nil ? schema : Schema(kept), columns: columns, metadata: footer.metadata)
    }
}
