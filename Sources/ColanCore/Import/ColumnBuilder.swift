/// Collects one column of an imported report row by row, checks catalog
/// metrics as values arrive (so errors carry their location), and infers the
/// column's type at the end: integers, widened to floats if any value has a
/// fraction; booleans; otherwise text. A missing or null value is a null.
struct ColumnBuilder {
    /// The field's name as it appeared in the file.
    let name: String
    /// The catalog entry the name matched, if any.
    let catalog: Catalog.Field?
    private(set) var values: [JSONScalar] = []

    init(name: String, catalog: Catalog.Field?) {
        self.name = name
        self.catalog = catalog
    }

    var count: Int { values.count }

    private var isCount: Bool {
        guard case .metric(let kind) = catalog?.role else { return false }
        return kind != .derived
    }

    /// Appends nulls until the column has `rows` rows (fields missing from some rows).
    mutating func pad(to rows: Int) {
        while values.count < rows { values.append(.null) }
    }

    /// Appends one value; `location` describes where it came from, for errors.
    mutating func append(_ value: JSONScalar, location: () -> String) throws {
        switch value {
        case .bigInteger(let text):
            throw ColanError(.importing, "number \(text) in '\(name)' is beyond the 64-bit integer range", location: location())
        case .string(let s) where catalog.map({ if case .metric = $0.role { return true } else { return false } }) == true:
            throw ColanError(.importing, "a string \"\(s.prefix(40))\" where a number belongs, in '\(name)'", location: location())
        case .bool where isCount:
            throw ColanError(.importing, "a boolean where a number belongs, in '\(name)'", location: location())
        case .int(let v) where isCount && v < 0:
            throw ColanError(.importing, "negative count \(v) in '\(name)'", location: location())
        case .double(let v) where isCount && v < 0:
            throw ColanError(.importing, "negative count \(v) in '\(name)'", location: location())
        default:
            values.append(value)
        }
    }

    /// The text of each row (nil for nulls), for time labels.
    var texts: [String?] {
        values.map { v in
            switch v {
            case .null: nil
            case .string(let s): s
            case .int(let i): String(i)
            case .double(let d): String(d)
            case .bool(let b): String(b)
            case .bigInteger(let t): t
            }
        }
    }

    /// The finished column and its schema entry.
    func build() -> (ColumnSchema, ColumnData) {
        var hasInt = false, hasDouble = false, hasBool = false, hasString = false, hasNull = false
        for v in values {
            switch v {
            case .null: hasNull = true
            case .int: hasInt = true
            case .double: hasDouble = true
            case .bool: hasBool = true
            case .string, .bigInteger: hasString = true
            }
        }
        let validity: [Bool]? = hasNull ? values.map { $0 != .null } : nil
        let columnName = catalog?.name ?? name
        let text = hasString || (hasBool && (hasInt || hasDouble))
        if text {
            var dictionary: [String] = []
            var lookup: [String: UInt32] = [:]
            let codes = texts.map { t -> UInt32 in
                let s = t ?? ""
                if let c = lookup[s] { return c }
                lookup[s] = UInt32(dictionary.count)
                dictionary.append(s)
                return UInt32(dictionary.count - 1)
            }
            let role = catalog?.role ?? .dimension
            return (ColumnSchema(columnName, .string, role), ColumnData(.dictionary(dictionary: dictionary, codes: codes), validity: validity))
        }
        let role = catalog?.role ?? .attribute
        if hasBool {
            return (ColumnSchema(columnName, .bool, role), ColumnData(.bool(values.map { $0 == .bool(true) }), validity: validity))
        }
        if hasDouble {
            let doubles = values.map { v -> Double in
                switch v {
                case .int(let i): Double(i)
                case .double(let d): d
                default: 0
                }
            }
            return (ColumnSchema(columnName, .float64, role), ColumnData(.float64(doubles), validity: validity))
        }
        let ints = values.map { v -> Int64 in if case .int(let i) = v { i } else { 0 } }
        return (ColumnSchema(columnName, .int64, role), ColumnData(.int64(ints), validity: validity))
    }
}
