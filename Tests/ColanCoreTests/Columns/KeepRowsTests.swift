import ColanCore
import Testing

/// `Table.keepRows` drops a segment's replaced rows where its arrays are (an import's commit
/// rewrites segments of millions of rows with it).
@Suite struct KeepRowsTests {
    /// Ten rows of every kind of column; the dictionary column is null on every fourth row.
    func table() -> Table {
        let n = 10
        return Table(schema: Schema([
            ColumnSchema("time", .timestamp, .time), ColumnSchema("share", .float64, .attribute),
            ColumnSchema("flag", .bool, .attribute), ColumnSchema("label", .string, .attribute),
            ColumnSchema("deviceType", .string, .dimension),
        ]), columns: [
            ColumnData(.int64((0..<n).map { Int64($0 * 10) })),
            ColumnData(.float64((0..<n).map { Double($0) / 4 })),
            ColumnData(.bool((0..<n).map { $0 % 2 == 0 })),
            ColumnData(.string((0..<n).map { "s\($0)" })),
            ColumnData(.dictionary(dictionary: ["Roku", "TV", "Web"], codes: (0..<n).map { UInt32($0 % 3) }),
                       validity: (0..<n).map { $0 % 4 != 1 }),
        ], metadata: ["kind": "k"])
    }

    /// The rows `keep` marks, built column by column from the arrays.
    func expected(_ keep: [Bool]) -> Table {
        let rows = keep.indices.filter { keep[$0] }
        let validity = rows.map { $0 % 4 != 1 }
        return Table(schema: table().schema, columns: [
            ColumnData(.int64(rows.map { Int64($0 * 10) })),
            ColumnData(.float64(rows.map { Double($0) / 4 })),
            ColumnData(.bool(rows.map { $0 % 2 == 0 })),
            ColumnData(.string(rows.map { "s\($0)" })),
            ColumnData(.dictionary(dictionary: ["Roku", "TV", "Web"], codes: rows.map { UInt32($0 % 3) }),
                       validity: validity.contains(false) ? validity : nil),
        ], metadata: ["kind": "k"])
    }

    /// Where each column's array lies (its storage's address).
    func storage(_ column: ColumnData) -> UInt {
        func address<T>(_ values: [T]) -> UInt { values.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } }
        switch column.values {
        case .int64(let v): return address(v)
        case .float64(let v): return address(v)
        case .bool(let v): return address(v)
        case .string(let v): return address(v)
        case .dictionary(_, let codes): return address(codes)
        }
    }

    @Test func aTableOwningItsArraysIsCompactedWhereItLies() {
        var owned = table()
        let before = owned.columns.map(storage)
        owned.keepRows((0..<10).map { $0 % 2 == 0 })
        #expect(owned.columns.map(storage) == before)
        #expect(owned.rowCount == 5)
    }

    @Test func theMarkedRowsStayInOrderAndATableSharingTheArraysIsUntouched() {
        let everyThirdGone = (0..<10).map { $0 % 3 != 1 }
        var owned = table()
        owned.keepRows(everyThirdGone)
        #expect(owned == expected(everyThirdGone))
        #expect(owned.rowCount == 7)
        // A copy shares the arrays: the copy kept is compacted, the other is as it was.
        let original = table()
        var copy = original
        copy.keepRows(everyThirdGone)
        #expect(copy == expected(everyThirdGone))
        #expect(original == table())
        // No null left: the validity goes, as `gather` leaves none.
        let nullsGone = (0..<10).map { $0 % 4 != 1 }
        var valid = table()
        valid.keepRows(nullsGone)
        #expect(valid.columns[4].validity == nil)
        #expect(valid == expected(nullsGone))
        // Every row kept, and none.
        var all = table()
        all.keepRows([Bool](repeating: true, count: 10))
        #expect(all == table())
        var none = table()
        none.keepRows([Bool](repeating: false, count: 10))
        #expect(none.rowCount == 0 && none.schema == table().schema)
    }
}
