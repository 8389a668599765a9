extension SegmentReader {
    /// Decodes the whole segment back into a `Table` (every column, every row
    /// group). For tests, `colan info --rows` and small files; queries read
    /// chunk by chunk instead.
    ///
    /// A null row comes back with a placeholder value (0, 0.0, false or "")
    /// and `false` in `validity`; columns without nulls have `validity == nil`.
    public func readTable() throws -> Table {
        var columns: [ColumnData] = []
        for (c, column) in schema.columns.enumerated() {
            var ints: [Int64] = [], floats: [Double] = [], strings: [String] = []
            var validity: [Bool] = []
            var anyNull = false
            for g in footer.rowGroups.indices {
                let vector = try read(column: c, rowGroup: g)
                for i in 0..<vector.count {
                    let valid = vector.isValid(i)
                    validity.append(valid)
                    anyNull = anyNull || !valid
                    switch vector.values {
                    case .int64(let b): ints.append(valid ? b.pointer[i] : 0)
                    case .float64(let b): floats.append(valid ? b.pointer[i] : 0)
                    case .string(let d, let codes): strings.append(valid ? d[Int(codes.pointer[i])] : "")
                    }
                }
            }
            let values: ColumnValues
            switch column.type {
            case .int64, .timestamp: values = .int64(ints)
            case .bool: values = .bool(ints.map { $0 != 0 })
            case .float64: values = .float64(floats)
            case .string: values = .string(strings)
            }
            columns.append(ColumnData(values, validity: anyNull ? validity : nil))
        }
        return Table(schema: schema, columns: columns, metadata: footer.metadata)
    }
}
