/// The running state of one rollup scan: the groups seen so far (by their
/// dimension values) and their accumulators. Each row group adds to it
/// through per-chunk tables, so rows never touch a dictionary or a hash.
struct ScanState {
    let by: [String]
    let metricCount: Int
    /// Each group's dimension values, in first-seen order.
    private(set) var groupKeys: [[String]] = []
    private var groupIndex: [[String]: UInt32] = [:]
    /// Accumulators, group-major: sums[group * metricCount + metric].
    private(set) var sums: [Int64] = []
    private(set) var rowsScanned = 0
    private(set) var minTime: Int64?
    private(set) var maxTime: Int64?

    /// How a null dimension value is shown and filtered ("--where country=(null)").
    static let nullLabel = "(null)"
    /// Group id of rows that are filtered out.
    static let skip = UInt32.max
    /// Largest product of per-chunk dictionary sizes handled by direct indexing.
    static let maxLocalCombinations = 1 << 22

    init(by: [String], metricCount: Int) {
        self.by = by
        self.metricCount = metricCount
        if by.isEmpty { _ = group(for: []) }
    }

    private mutating func group(for key: [String]) -> UInt32 {
        if let g = groupIndex[key] { return g }
        let g = UInt32(groupKeys.count)
        groupIndex[key] = g
        groupKeys.append(key)
        sums.append(contentsOf: repeatElement(0, count: metricCount))
        return g
    }

    /// Decodes the needed columns of one row group and adds its rows.
    mutating func add(segment: SegmentReader, rowGroup: Int, inputs: [String], filters: [String: [String]],
                      range: Range<Int64>?, timeIndex: Int) throws {
        let n = segment.footer.rowGroups[rowGroup].rowCount
        guard n > 0 else { return }
        rowsScanned += n
        // Row group ids start as composite local codes of the --by dimensions.
        let groups = AlignedBuffer<UInt32>(count: n)
        var combinations = 1
        var dictionaries: [[String]] = []
        for (d, dim) in by.enumerated() {
            let (dictionary, codes) = try strings(segment, dim, rowGroup, n)
            let size = dictionary.count + 1  // + null
            combinations *= size
            guard combinations <= Self.maxLocalCombinations else {
                throw ColanError(.query, "too many combinations of \(by.joined(separator: ",")) in one row group to group directly",
                                 file: segment.path, location: "row group \(rowGroup)")
            }
            var identity = (0..<UInt32(size)).map { $0 }
            identity.withUnsafeMutableBufferPointer { table in
                if d == 0 {
                    GroupByKernel.mapCodes(codes.pointer, table.baseAddress!, count: n, into: groups.pointer)
                } else {
                    GroupByKernel.combineCodes(codes.pointer, table.baseAddress!, stride: UInt32(size), count: n, into: groups.pointer)
                }
            }
            dictionaries.append(dictionary + [Self.nullLabel])
        }
        // Composite local ids -> global group ids, resolved at first sight.
        var table = [UInt32](repeating: Self.skip, count: combinations)
        let sizes = dictionaries.map(\.count)
        // Filters mark rows to skip.
        var keep = [Bool](repeating: true, count: n)
        for (dim, values) in filters {
            let (dictionary, codes) = try strings(segment, dim, rowGroup, n)
            // One entry per dictionary code, plus the null code; rows never touch the dictionary.
            let allowed = (dictionary + [Self.nullLabel]).map { values.contains($0) }
            for i in 0..<n where !allowed[Int(codes.pointer[i])] { keep[i] = false }
        }
        if timeIndex >= 0 {
            let vector = try segment.read(column: timeIndex, rowGroup: rowGroup)
            guard case .int64(let times) = vector.values else { throw ColanError(.query, "time column is not a timestamp", file: segment.path) }
            if let range { for i in 0..<n where !range.contains(times.pointer[i]) { keep[i] = false } }
            for i in 0..<n where keep[i] {
                let t = times.pointer[i]
                minTime = min(minTime ?? t, t)
                maxTime = max(maxTime ?? t, t)
            }
        }
        for i in 0..<n {
            guard keep[i] else { groups.pointer[i] = Self.skip; continue }
            let local = by.isEmpty ? 0 : Int(groups.pointer[i])
            if table[local] == Self.skip {
                var key: [String] = []
                var rest = local
                for d in (0..<sizes.count).reversed() {
                    key.append(dictionaries[d][rest % sizes[d]])
                    rest /= sizes[d]
                }
                table[local] = group(for: key.reversed())
            }
            groups.pointer[i] = table[local]
        }
        // Metric vectors, nulls as 0.
        var metrics: [AlignedBuffer<Int64>] = []
        for name in inputs {
            let vector = try segment.read(column: name, rowGroup: rowGroup)
            guard case .int64(let values) = vector.values else { throw ColanError(.query, "'\(name)' is not an integer column", file: segment.path) }
            if vector.validity != nil { for i in 0..<n where !vector.isValid(i) { values.pointer[i] = 0 } }
            metrics.append(values)
        }
        let pointers = metrics.map { UnsafePointer($0.pointer) }
        sums.withUnsafeMutableBufferPointer { s in
            GroupByKernel.sum(groups: groups.pointer, count: n, metrics: pointers, sums: s.baseAddress!,
                              metricCount: metricCount, skip: Self.skip)
        }
        withExtendedLifetime(metrics) {}
    }

    /// A string column's dictionary and codes, with null rows given the code `dictionary.count`.
    private func strings(_ segment: SegmentReader, _ dim: String, _ rowGroup: Int, _ n: Int) throws -> ([String], AlignedBuffer<UInt32>) {
        let vector = try segment.read(column: dim, rowGroup: rowGroup)
        guard case .string(let dictionary, let codes) = vector.values else {
            throw ColanError(.query, "dimension '\(dim)' is not a string column", file: segment.path)
        }
        if vector.validity != nil {
            for i in 0..<n where !vector.isValid(i) { codes.pointer[i] = UInt32(dictionary.count) }
        }
        return (dictionary, codes)
    }
}
