/// The values of one column, as handed to the segment writer.
public enum ColumnValues: Sendable, Equatable {
    /// int64 and timestamp columns (timestamps as UTC seconds).
    case int64([Int64])
    /// float64 columns.
    case float64([Double])
    /// bool columns.
    case bool([Bool])
    /// string columns, one String per row.
    case string([String])
    /// string columns already dictionary-coded: row i is `dictionary[codes[i]]`.
    /// Importers and `colan gen` build columns this way to avoid a String per row.
    case dictionary(dictionary: [String], codes: [UInt32])

    /// The number of rows.
    public var count: Int {
        switch self {
        case .int64(let v): v.count
        case .float64(let v): v.count
        case .bool(let v): v.count
        case .string(let v): v.count
        case .dictionary(_, let codes): codes.count
        }
    }
}

/// One column's values with its nulls: `validity[i] == false` marks row i null
/// (its value slot is ignored). `validity == nil` means no nulls.
public struct ColumnData: Sendable, Equatable {
    /// The values; a null row holds a placeholder.
    public var values: ColumnValues
    /// Which rows hold a value; nil when all do.
    public var validity: [Bool]?

    /// Creates a column; `validity` nil means every row holds a value.
    public init(_ values: ColumnValues, validity: [Bool]? = nil) {
        self.values = values
        self.validity = validity
    }

    /// The number of rows.
    public var count: Int { values.count }
}

/// A table in memory: a schema, one `ColumnData` per column, and key/value
/// metadata (report kind, interval, zone, fixed dimension values, ...).
public struct Table: Sendable, Equatable {
    /// The columns' descriptions.
    public var schema: Schema
    /// The columns' values, in schema order.
    public var columns: [ColumnData]
    /// Free-form metadata stored in the segment footer.
    public var metadata: [String: String]

    /// Creates a table; every column must have the same number of rows.
    public init(schema: Schema, columns: [ColumnData], metadata: [String: String] = [:]) {
        self.schema = schema
        self.columns = columns
        self.metadata = metadata
    }

    /// The number of rows (0 for a table without columns).
    public var rowCount: Int { columns.first?.count ?? 0 }
}
