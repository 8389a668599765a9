import ColanColumns

extension SegmentReader {
    /// Decodes the whole segment back into a `Table` (every column, every row
    /// group). For tests, `colan info --rows` and small files; queries read
    /// chunk by chunk instead.
    ///
    /// A null row comes back with a placeholder value (0, 0.0, false, or
    /// some dictionary entry) and `false` in `validity`; columns without nulls
    /// have `validity == nil`. String columns come back dictionary-coded.
    public func readTable() throws -> Table {
        var columns: [ColumnData] = []
        for (c, column) in schema.columns.enumerated() {
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
                for i in 0..<vector.count {
                    let valid = vector.isValid(i)
                    validity.append(valid)
                    anyNull = anyNull || !valid
                    switch vector.values {
                    case .int64(let b): ints.append(valid ? b.pointer[i] : 0)
                    case .float64(let b): floats.append(valid ? b.pointer[i] : 0)
                    case .string(_, let chunkCodes): codes.append(translation[Int(chunkCodes.pointer[i])])
                    }
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
        return Table(schema: schema, columns: columns, metadata: footer.metadata)
    }
}
