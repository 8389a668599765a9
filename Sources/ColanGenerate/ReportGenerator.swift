import ColanColumns

/// Options for a synthetic report history (`colan gen`).
public struct GeneratorOptions: Sendable {
    /// Rows to generate.
    public var rows: Int
    /// Seed: the same options give the same rows.
    public var seed: UInt64
    /// Days of history, ending before `endDay`.
    public var days: Int
    /// Number of channels.
    public var channels: Int
    /// Number of distinct content ids (popularity is skewed).
    public var contents: Int
    /// First day of the history, as UTC seconds of its midnight (2024-01-01 by default).
    public var start: Int64

    /// Defaults: 365 days, 40 channels, 2,000 contents, seed 1, from 2024-01-01.
    public init(rows: Int, seed: UInt64 = 1, days: Int = 365, channels: Int = 40, contents: Int = 2000,
                start: Int64 = 1_704_067_200) {
        self.rows = rows
        self.seed = seed
        self.days = days
        self.channels = channels
        self.contents = contents
        self.start = start
    }
}

/// Generates a deterministic hourly viewership breakdown that looks like the
/// real thing: a diurnal viewing curve, skewed content and country
/// popularity, a plausible device mix, uniqueViewers <= numberOfSession.
///
/// Rows are produced hour by hour, sorted within each hour by channel,
/// country, device and content (as a vendor's export might be; the store
/// re-sorts them into its scan order, `Table.inScanOrder`).
public struct ReportGenerator: Sendable {
    /// The options this generator was made with.
    public let options: GeneratorOptions

    /// The dimension columns and their dictionaries.
    public let channelIds: [String]
    /// Content ids, most popular first.
    public let contentIds: [String]
    private let contentTable: WeightedTable

    /// Creates a generator.
    public init(_ options: GeneratorOptions) {
        self.options = options
        channelIds = (0..<options.channels).map { i in
            let n = i + 1
            return "ch\(n < 10 ? "0" : "")\(n)-\(Vocabulary.genres[i % Vocabulary.genres.count])-hd"
        }
        contentIds = (0..<options.contents).map { "content-\($0 + 1)" }
        contentTable = WeightedTable((0..<options.contents).map { 1.0 / Double($0 + 1) })
    }

    /// The schema of generated tables (the shape of a viewershipAnalytics breakdown).
    public static let schema = Schema([
        ColumnSchema("time", .timestamp, .time),
        ColumnSchema("channelId", .string, .dimension),
        ColumnSchema("country", .string, .dimension),
        ColumnSchema("deviceType", .string, .dimension),
        ColumnSchema("deviceName", .string, .dimension),
        ColumnSchema("contentId", .string, .dimension),
        ColumnSchema("uniqueViewers", .int64, .metric(.distinctCount)),
        ColumnSchema("numberOfSession", .int64, .metric(.additive)),
        ColumnSchema("viewershipMinutes", .int64, .metric(.additive)),
    ])

    /// One generated row, as dictionary codes and numbers.
    public struct Row: Sendable {
        /// UTC seconds of the hour's start.
        public var time: Int64
        /// Index into `channelIds`.
        public var channel: UInt32
        /// Index into `Vocabulary.countries`.
        public var country: UInt32
        /// Index into the device list (name and type).
        public var device: UInt32
        /// Index into `contentIds`.
        public var content: UInt32
        /// Distinct viewers, at most `sessions`.
        public var uniqueViewers: Int64
        /// Sessions.
        public var sessions: Int64
        /// Minutes watched.
        public var minutes: Int64
    }

    /// Rows of hour `hour` (0-based from `start`); every hour gets its share of `rows`.
    public func rows(ofHour hour: Int) -> [Row] {
        let hours = options.days * 24
        let count = options.rows / hours + (hour < options.rows % hours ? 1 : 0)
        var rng = SplitMix64(seed: options.seed &* 0x9E37_79B9 &+ UInt64(hour))
        let time = options.start + Int64(hour) * 3600
        // Viewing peaks in the US evening (about 03:00-05:00 UTC) and bottoms out mid-morning.
        let utcHour = Double(hour % 24)
        let phase = (utcHour - 4.0) / 24.0 * 2 * Double.pi
        let diurnal = 0.35 + 0.65 * (0.5 + 0.5 * cosine(phase))
        var out: [Row] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            let channel = UInt32(rng.below(options.channels))
            let country = UInt32(Self.countryTable.sample(&rng))
            let device = UInt32(Self.deviceTable.sample(&rng))
            let content = UInt32(contentTable.sample(&rng))
            // Sessions: mostly small counts with a long tail, scaled by time of day.
            let tail = rng.unit()
            let base = 1.0 + 40.0 * tail * tail * tail * tail
            let sessions = Int64(max(1, (base * diurnal * (0.5 + rng.unit())).rounded()))
            let unique = max(1, sessions - Int64(rng.below(Int(sessions / 3) + 1)))
            let perSession = 4.0 + 50.0 * rng.unit() * rng.unit()
            let minutes = Int64((Double(sessions) * perSession).rounded())
            out.append(Row(time: time, channel: channel, country: country, device: device, content: content,
                           uniqueViewers: unique, sessions: sessions, minutes: minutes))
        }
        out.sort { a, b in
            (a.channel, a.country, a.device, a.content) < (b.channel, b.country, b.device, b.content)
        }
        return out
    }

    /// Rows of one hour in the store's scan order, decided by `Table.scanOrder`
    /// over their time and dimension columns.
    func inScanOrder(_ rows: [Row]) -> [Row] {
        let dimensions = Table(schema: Schema(Array(Self.schema.columns.prefix(6))), columns: [
            ColumnData(.int64(rows.map(\.time))),
            ColumnData(.dictionary(dictionary: channelIds, codes: rows.map(\.channel))),
            ColumnData(.dictionary(dictionary: Vocabulary.countries, codes: rows.map(\.country))),
            ColumnData(.dictionary(dictionary: Self.deviceTypes, codes: rows.map { Self.deviceTypeCode[Int($0.device)] })),
            ColumnData(.dictionary(dictionary: Vocabulary.devices.map(\.name), codes: rows.map(\.device))),
            ColumnData(.dictionary(dictionary: contentIds, codes: rows.map(\.content))),
        ])
        guard let order = dimensions.scanOrder() else { return rows }
        return order.map { rows[$0] }
    }

    /// Hours of history.
    public var hourCount: Int { options.days * 24 }

    /// The whole history as a table in the generator's schema.
    /// - Parameter scanOrder: put each hour's rows in the store's scan order
    ///   (`Table.inScanOrder`), so a store or segment written from the table
    ///   only checks the order instead of sorting months of rows at once.
    public func table(hours: Range<Int>? = nil, scanOrder: Bool = false) -> Table {
        var time: [Int64] = [], channel: [UInt32] = [], country: [UInt32] = [], deviceType: [UInt32] = []
        var deviceName: [UInt32] = [], content: [UInt32] = []
        var unique: [Int64] = [], sessions: [Int64] = [], minutes: [Int64] = []
        let range = hours ?? 0..<hourCount
        for hour in range {
            let hourRows = rows(ofHour: hour)
            for r in scanOrder ? inScanOrder(hourRows) : hourRows {
                time.append(r.time); channel.append(r.channel); country.append(r.country)
                deviceType.append(Self.deviceTypeCode[Int(r.device)]); deviceName.append(r.device)
                content.append(r.content)
                unique.append(r.uniqueViewers); sessions.append(r.sessions); minutes.append(r.minutes)
            }
        }
        return Table(schema: Self.schema, columns: [
            ColumnData(.int64(time)),
            ColumnData(.dictionary(dictionary: channelIds, codes: channel)),
            ColumnData(.dictionary(dictionary: Vocabulary.countries, codes: country)),
            ColumnData(.dictionary(dictionary: Self.deviceTypes, codes: deviceType)),
            ColumnData(.dictionary(dictionary: Vocabulary.devices.map(\.name), codes: deviceName)),
            ColumnData(.dictionary(dictionary: contentIds, codes: content)),
            ColumnData(.int64(unique)), ColumnData(.int64(sessions)), ColumnData(.int64(minutes)),
        ], metadata: ["reportKind": "viewershipAnalytics", "interval": "HOURLY", "timezone": "UTC",
                      "dimensions": "channelId,contentId,country,deviceName,deviceType",
                      "generator": "colan gen seed \(options.seed)"])
    }

    /// The distinct device types, in first-seen order of the device list.
    public static let deviceTypes: [String] = {
        var seen: [String] = []
        for d in Vocabulary.devices where !seen.contains(d.type) { seen.append(d.type) }
        return seen
    }()
    static let deviceTypeCode: [UInt32] = Vocabulary.devices.map { d in UInt32(deviceTypes.firstIndex(of: d.type) ?? 0) }
    /// The device names, in the order of `Row.device`.
    public static let deviceNames: [String] = Vocabulary.devices.map(\.name)

    static let deviceTable = WeightedTable(Vocabulary.deviceWeights)
    static let countryTable = WeightedTable((0..<Vocabulary.countries.count).map { 1.0 / Double($0 + 1) })
}

/// Samples indices with given relative weights by binary search over the CDF.
struct WeightedTable: Sendable {
    let cumulative: [Double]
    init(_ weights: [Double]) {
        var total = 0.0
        cumulative = weights.map { total += $0; return total }
    }
    func sample(_ rng: inout SplitMix64) -> Int {
        let x = rng.unit() * (cumulative.last ?? 1)
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// SplitMix64: small, fast and seedable, so generated data and random tests are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's state.
    public var state: UInt64
    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
    /// Uniform in 0..<n.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}

/// cos(x) by a short Taylor series after range reduction; avoids Foundation.
func cosine(_ x: Double) -> Double {
    let twoPi = 2 * Double.pi
    var y = x - twoPi * (x / twoPi).rounded()
    var sign = 1.0
    if y > Double.pi / 2 { y = Double.pi - y; sign = -1 } else if y < -Double.pi / 2 { y = -Double.pi - y; sign = -1 }
    let y2 = y * y
    return sign * (1 - y2 / 2 * (1 - y2 / 12 * (1 - y2 / 30 * (1 - y2 / 56))))
}
