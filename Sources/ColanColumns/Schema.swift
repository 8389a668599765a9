/// How a column's values are stored.
public enum PhysicalType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Signed 64-bit integers.
    case int64 = 1
    /// IEEE 754 doubles; NaN and the infinities round-trip bit-exactly.
    case float64 = 2
    /// UTF-8 strings.
    case string = 3
    /// Instants in UTC, as seconds since 1970-01-01T00:00:00Z.
    case timestamp = 4
    /// true / false.
    case bool = 5

    /// The lower-case name used in `colan info` and docs/FORMAT.md.
    public var description: String {
        switch self {
        case .int64: "int64"
        case .float64: "float64"
        case .string: "string"
        case .timestamp: "timestamp"
        case .bool: "bool"
        }
    }
}

/// How a metric combines across dimensions and time (see docs/METRICS.md).
public enum MetricKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Summed across dimensions and time (sessions, minutes, impressions).
    case additive = 1
    /// A distinct count (unique viewers): exact only at its own cuboid and interval.
    case distinctCount = 2
    /// A level at an instant (concurrent users): summed at one instant, then max/avg/p95 over time.
    case gauge = 3
    /// A ratio the vendor computed; recomputed from additive parts, never summed.
    case derived = 4

    /// The name used in `colan info` and docs.
    public var description: String {
        switch self {
        case .additive: "additive"
        case .distinctCount: "distinct-count"
        case .gauge: "gauge"
        case .derived: "derived"
        }
    }
}

/// What a column means to a query.
public enum ColumnRole: Sendable, Equatable, CustomStringConvertible {
    /// The row's instant (the start of its time bucket).
    case time
    /// A dimension the vendor can filter or break down by (channelId, deviceType, ...).
    case dimension
    /// A measured value, with the rule that combines it.
    case metric(MetricKind)
    /// Any other field: kept and queryable, with no rollup semantics.
    case attribute

    /// The name used in `colan info` and docs.
    public var description: String {
        switch self {
        case .time: "time"
        case .dimension: "dimension"
        case .metric(let kind): "metric(\(kind))"
        case .attribute: "attribute"
        }
    }

    package var code: (role: UInt8, kind: UInt8) {
        switch self {
        case .time: (1, 0)
        case .dimension: (2, 0)
        case .metric(let kind): (3, kind.rawValue)
        case .attribute: (4, 0)
        }
    }

    package init?(role: UInt8, kind: UInt8) {
        switch role {
        case 1: self = .time
        case 2: self = .dimension
        case 3:
            guard let k = MetricKind(rawValue: kind) else { return nil }
            self = .metric(k)
        case 4: self = .attribute
        default: return nil
        }
    }
}

/// One column of a schema: its name, physical type and logical role.
public struct ColumnSchema: Sendable, Equatable {
    /// The column's name, unique within a schema.
    public var name: String
    /// How the values are stored.
    public var type: PhysicalType
    /// What the values mean to a query.
    public var role: ColumnRole

    /// Creates a column description.
    public init(_ name: String, _ type: PhysicalType, _ role: ColumnRole) {
        self.name = name
        self.type = type
        self.role = role
    }
}

/// The columns of a table, in order.
public struct Schema: Sendable, Equatable {
    /// The columns, in storage order.
    public var columns: [ColumnSchema]

    /// Creates a schema from its columns.
    public init(_ columns: [ColumnSchema]) { self.columns = columns }

    /// The position of the column called `name`, if there is one.
    public func index(of name: String) -> Int? { columns.firstIndex { $0.name == name } }
}
