#if canImport(Glibc)
import Glibc
#endif
import ColanSupport
import ColanColumns
import ColanCatalog

/// Builds one column of an imported report row by row, typed as values
/// arrive: integers widen to floats when a value has a fraction; booleans
/// stay booleans; a text value turns the column into text (earlier numbers
/// keep their shortest form), except in catalog count columns, where text, a
/// boolean, a negative or an out-of-range number is an error naming its place.
/// Text is dictionary-coded by its bytes (TextDictionary), so rows never
/// allocate a String for a value seen before. A missing or null value is a null.
struct ColumnBuilder {
    /// The field's name as it appeared in the file.
    let name: String
    /// The catalog entry the name matched, if any.
    let catalog: Catalog.Field?

    enum Kind { case empty, int, double, bool, text }

    private(set) var kind = Kind.empty
    private(set) var count = 0
    private var ints: [Int64] = []
    private var doubles: [Double] = []
    private var bools: [Bool] = []
    private(set) var codes: [UInt32] = []
    private(set) var dictionary = TextDictionary()
    /// Which rows hold a value; empty until the first null.
    private var validity: [Bool] = []
    /// How often earlier values were converted to a new kind (numbers or
    /// booleans to text, integers to floats): `joined` needs none past the
    /// first part. Leading nulls taking the first value's kind are no
    /// conversion: a single builder holds nulls the same way in every kind.
    private var conversions = 0

    /// A catalog count (additive, distinct count or gauge): numbers only, never negative.
    private let isCount: Bool
    /// A catalog metric: numbers only.
    private let isMetric: Bool

    /// `name`'s UTF-8 bytes, for comparing field names read from a file without making Strings.
    let nameUTF8: [UInt8]

    /// Whether `name` (a column's `nameUTF8`) and `bytes` are the same bytes.
    @inline(__always) static func equal(_ name: [UInt8], _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard name.count == bytes.count else { return false }
        return name.withUnsafeBytes { ByteWordsKernel.equal($0, bytes) }
    }

    init(name: String, catalog: Catalog.Field?) {
        self.name = name
        nameUTF8 = Array(name.utf8)
        self.catalog = catalog
        // Stored, not computed per value: reading `catalog` copies its strings (reference counting per field).
        if case .metric(let kind) = catalog?.role {
            isMetric = true
            isCount = kind != .derived
        } else {
            isMetric = false
            isCount = false
        }
    }

    /// This empty builder, taking its values as `kind` from the first (what a big file's earlier
    /// windows settled the column as: values then arrive as they would after those windows').
    func seeded(_ kind: Kind) -> ColumnBuilder {
        precondition(count == 0, "seeding a builder that holds values")
        var seeded = self
        seeded.kind = kind
        return seeded
    }

    /// Appends nulls until the column has `rows` rows (fields missing from some rows).
    mutating func pad(to rows: Int) {
        while count < rows { appendNull() }
    }

    mutating func appendNull() {
        if validity.isEmpty { validity = [Bool](repeating: true, count: count) }
        validity.append(false)
        switch kind {
        case .empty, .int: ints.append(0)
        case .double: doubles.append(0)
        case .bool: bools.append(false)
        case .text: codes.append(dictionary.code(of: ""))
        }
        count += 1
    }

    private mutating func valid() {
        if !validity.isEmpty { validity.append(true) }
        count += 1
    }

    /// Which values `appendTextToText` and `appendNaturalToInts` may take in
    /// place of the general appends (the column's kind makes the checks moot).
    enum Shortcut { case none, text, int }

    /// The shortcut this column takes now: text into a text column that is
    /// no metric, integers of at least 0 into an integer column.
    var shortcut: Shortcut { kind == .text && !isMetric ? .text : kind == .int ? .int : .none }

    /// `appendText` for a column whose `shortcut` is `.text`; false (nothing
    /// appended) when the bytes are not UTF-8, which `appendText` then reports.
    @inline(__always) mutating func appendTextToText(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let code = dictionary.code(of: bytes) else { return false }
        codes.append(code)
        valid()
        return true
    }

    /// `appendInt` of a value of at least 0 for a column whose `shortcut` is `.int`.
    @inline(__always) mutating func appendNaturalToInts(_ v: Int64) {
        ints.append(v)
        valid()
    }

    /// Moves the dictionary out for a row kernel (`KernelColumns.lend`), which looks values
    /// up itself and appends their codes with `appendCodes`; `returnDictionary` puts it back.
    mutating func lendDictionary() -> TextDictionary {
        defer { dictionary = TextDictionary() }
        return dictionary
    }

    /// Puts back the dictionary `lendDictionary` lent, with the values added meanwhile.
    mutating func returnDictionary(_ lent: TextDictionary) { dictionary = lent }

    /// Appends codes of the (lent) dictionary to a column whose `shortcut` is `.text`.
    mutating func appendCodes(_ more: UnsafeBufferPointer<UInt32>) {
        codes.append(contentsOf: more)
        appendValid(more.count)
    }

    /// Makes room for `rows` more values of the column's kind (and its nulls), so a
    /// big file's column does not regrow and copy itself on the way.
    mutating func reserve(_ rows: Int) {
        switch kind {
        case .empty, .int: ints.reserveCapacity(count + rows)
        case .double: doubles.reserveCapacity(count + rows)
        case .bool: bools.reserveCapacity(count + rows)
        case .text: codes.reserveCapacity(count + rows)
        }
        if !validity.isEmpty { validity.reserveCapacity(count + rows) }
    }

    /// Takes back the rows after the first `rows`, and the text values after the first `values`,
    /// which a row kernel appended (`ResponseRun.readRows`): values of the column's kind, no nulls.
    mutating func takeBack(to rows: Int, values: Int) {
        let extra = count - rows
        guard extra > 0 else { return }
        switch kind {
        case .empty, .int: ints.removeLast(extra)
        case .double: doubles.removeLast(extra)
        case .bool: bools.removeLast(extra)
        case .text: codes.removeLast(extra)
        }
        if !validity.isEmpty { validity.removeLast(extra) }
        count = rows
        dictionary.truncate(to: values)
    }

    /// Makes room for `values` distinct text values in all (`TextDictionary.reserve`).
    mutating func reserveTextValues(_ values: Int) { dictionary.reserve(values) }

    /// `appendNaturalToInts` of many values.
    mutating func appendNaturals(_ more: UnsafeBufferPointer<Int64>) {
        ints.append(contentsOf: more)
        appendValid(more.count)
    }

    private mutating func appendValid(_ rows: Int) {
        if !validity.isEmpty { validity.append(contentsOf: repeatElement(true, count: rows)) }
        count += rows
    }

    /// Appends an integer.
    mutating func appendInt(_ v: Int64, _ location: () -> String) throws {
        if isCount && v < 0 { throw ColanError(.importing, "negative count \(v) in '\(name)'", location: location()) }
        switch kind {
        case .empty, .int: kind = .int; ints.append(v)
        case .double: doubles.append(Double(v))
        case .bool: toText(); codes.append(dictionary.code(of: String(v)))
        case .text: codes.append(dictionary.code(of: String(v)))
        }
        valid()
    }

    /// Appends a number with a fraction or exponent.
    mutating func appendDouble(_ v: Double, _ location: () -> String) throws {
        if isCount && v < 0 { throw ColanError(.importing, "negative count \(v) in '\(name)'", location: location()) }
        switch kind {
        case .empty, .int:
            if kind == .int { conversions += 1 }
            kind = .double
            doubles = ints.map(Double.init)
            ints = []
            doubles.append(v)
        case .double: doubles.append(v)
        case .bool: toText(); codes.append(dictionary.code(of: String(v)))
        case .text: codes.append(dictionary.code(of: String(v)))
        }
        valid()
    }

    /// Appends a boolean.
    mutating func appendBool(_ v: Bool, _ location: () -> String) throws {
        if isCount { throw ColanError(.importing, "a boolean where a number belongs, in '\(name)'", location: location()) }
        switch kind {
        case .empty:
            kind = .bool
            bools = [Bool](repeating: false, count: count)
            bools.append(v)
        case .bool: bools.append(v)
        case .int, .double: toText(); codes.append(dictionary.code(of: String(v)))
        case .text: codes.append(dictionary.code(of: String(v)))
        }
        valid()
    }

    /// Appends text given as bytes (must be UTF-8).
    mutating func appendText(_ bytes: UnsafeRawBufferPointer, _ location: () -> String) throws {
        if isMetric {
            let preview = String(decoding: UnsafeRawBufferPointer(rebasing: bytes.prefix(40)), as: UTF8.self)
            throw ColanError(.importing, "a string \"\(preview)\" where a number belongs, in '\(name)'", location: location())
        }
        if kind != .text { toText() }
        guard let code = dictionary.code(of: bytes) else {
            throw ColanError(.importing, "invalid UTF-8 in '\(name)'", location: location())
        }
        codes.append(code)
        valid()
    }

    /// Appends a JSON value.
    mutating func append(_ value: JSONScalar, location: () -> String) throws {
        switch value {
        case .null: appendNull()
        case .int(let v): try appendInt(v, location)
        case .double(let v): try appendDouble(v, location)
        case .bool(let v): try appendBool(v, location)
        case .bigInteger(let text):
            throw ColanError(.importing, "number \(text) in '\(name)' is beyond the 64-bit integer range", location: location())
        case .string(let s):
            var s = s
            try s.withUTF8 { try appendText(UnsafeRawBufferPointer($0), location) }
        }
    }

    /// Turns the column into text: earlier values become their shortest text.
    private mutating func toText() {
        let valid = validity.isEmpty ? nil : validity
        var texts: [String] = []
        switch kind {
        case .empty: texts = [String](repeating: "", count: count)
        case .int: texts = ints.map { String($0) }
        case .double: texts = doubles.map { String($0) }
        case .bool: texts = bools.map { String($0) }
        case .text: return
        }
        if kind != .empty { conversions += 1 }
        kind = .text
        ints = []; doubles = []; bools = []
        codes = texts.enumerated().map { i, t in dictionary.code(of: valid?[i] == false ? "" : t) }
    }

    /// The builders of consecutive parts of one column's values as one builder,
    /// equal to one that received all the values in order; nil when that cannot
    /// be known from the parts: they ended with different kinds, or a part after
    /// the first converted values it had (a single builder would have received
    /// those values in the kind the earlier parts left, and converted them differently).
    static func joined(_ all: [ColumnBuilder]) -> ColumnBuilder? {
        // A part without values (a chunk of blank lines) adds nothing, not even a kind.
        let parts = all.count > 1 ? all.filter { $0.count > 0 } : all
        guard var out = parts.first ?? all.first else { return nil }
        guard parts.dropFirst().allSatisfy({ $0.kind == out.kind && $0.conversions == 0 }) else { return nil }
        // Sized once: appending part after part would regrow (and copy) the big arrays.
        let total = parts.reduce(0) { $0 + $1.count }
        switch out.kind {
        case .empty, .int: out.ints.reserveCapacity(total)
        case .double: out.doubles.reserveCapacity(total)
        case .bool: out.bools.reserveCapacity(total)
        case .text: out.codes.reserveCapacity(total)
        }
        if parts.contains(where: { !$0.validity.isEmpty }) {
            if out.validity.isEmpty { out.validity = [Bool](repeating: true, count: out.count) }
            out.validity.reserveCapacity(total)
        }
        if out.kind == .text && parts.count > 1 {
            // A dictionary sized once for every part's values (at most), begun afresh from the first
            // part's: growing it part by part, and copying the first part's (still shared), cost more.
            var dictionary = TextDictionary()
            dictionary.reserve(parts.reduce(0) { $0 + $1.dictionary.count })
            _ = dictionary.merge(out.dictionary)  // into an empty one: every code stays the same
            out.dictionary = dictionary
        }
        for part in parts.dropFirst() {
            if !out.validity.isEmpty {
                if part.validity.isEmpty {
                    out.validity.append(contentsOf: repeatElement(true, count: part.count))
                } else {
                    out.validity += part.validity
                }
            }
            switch out.kind {
            case .empty, .int: out.ints += part.ints
            case .double: out.doubles += part.doubles
            case .bool: out.bools += part.bools
            case .text:
                // New values take codes in the order the part met them, as they would have in one builder.
                let translation = out.dictionary.merge(part.dictionary)
                for code in part.codes { out.codes.append(translation[Int(code)]) }
            }
            out.count += part.count
        }
        return out
    }

    /// Each row's code, for a text column.
    var textCodes: [UInt32]? { kind == .text ? codes : nil }

    /// How many distinct text values the column holds.
    var textValueCount: Int { dictionary.count }

    /// Each builder's `textValueCount`, read through the array's storage: read through the array
    /// (mapped, or by index in a closure) each builder was copied whole first, a retain and a release
    /// of every array in it, for every response a run took (a hundredth of an import of responses).
    static func textValueCounts(_ columns: [ColumnBuilder]) -> [Int] {
        columns.withUnsafeBufferPointer { builders in
            var counts = [Int](repeating: 0, count: builders.count)
            for c in builders.indices { counts[c] = builders[c].dictionary.count }
            return counts
        }
    }

    /// Runs `body` over the UTF-8 bytes of text value `code`.
    func withText<T>(_ code: Int, _ body: (UnsafeRawBufferPointer) -> T) -> T { dictionary.withBytes(of: code, body) }

    /// Runs `body` over every text value's code and bytes, in code order.
    func forEachText(_ body: (Int, UnsafeRawBufferPointer) -> Void) { dictionary.forEachValue(body) }

    /// Each row's integer, for an integer column.
    var intValues: [Int64]? { kind == .int ? ints : nil }

    /// Whether row `i` holds a value.
    func isValid(_ i: Int) -> Bool { validity.isEmpty || validity[i] }

    /// The finished column and its schema entry.
    func build() -> (ColumnSchema, ColumnData) {
        let valid: [Bool]? = validity.isEmpty ? nil : validity
        let columnName = catalog?.name ?? name
        switch kind {
        case .text:
            let role = catalog?.role ?? .dimension
            let d = dictionary.count == 0 ? [""] : dictionary.strings
            return (ColumnSchema(columnName, .string, role), ColumnData(.dictionary(dictionary: d, codes: codes), validity: valid))
        case .bool:
            return (ColumnSchema(columnName, .bool, catalog?.role ?? .attribute), ColumnData(.bool(bools), validity: valid))
        case .double:
            return (ColumnSchema(columnName, .float64, catalog?.role ?? .attribute), ColumnData(.float64(doubles), validity: valid))
        case .empty, .int:
            return (ColumnSchema(columnName, .int64, catalog?.role ?? .attribute), ColumnData(.int64(ints), validity: valid))
        }
    }
}
