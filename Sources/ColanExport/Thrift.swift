/// Apache Thrift's compact protocol, the encoding of Parquet's metadata (page headers and the
/// file footer): written here against the specification
/// (https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md), only
/// what Parquet's structures use: structs, lists, booleans, i16/i32/i64 and binary.
struct ThriftWriter {
    private(set) var bytes: [UInt8] = []
    /// The last field id of each open struct (field headers store the delta).
    private var lastIds: [Int16] = [0]

    enum FieldType: UInt8 {
        case boolTrue = 1, boolFalse = 2, i16 = 4, i32 = 5, i64 = 6, binary = 8, list = 9, structure = 12
    }

    private mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func zigzag(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    private mutating func header(_ id: Int16, _ type: FieldType) {
        let delta = Int(id) - Int(lastIds[lastIds.count - 1])
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            zigzag(Int64(id))
        }
        lastIds[lastIds.count - 1] = id
    }

    mutating func bool(_ id: Int16, _ value: Bool) { header(id, value ? .boolTrue : .boolFalse) }
    mutating func i32(_ id: Int16, _ value: Int32) { header(id, .i32); zigzag(Int64(value)) }
    mutating func i64(_ id: Int16, _ value: Int64) { header(id, .i64); zigzag(value) }
    mutating func i16(_ id: Int16, _ value: Int16) { header(id, .i16); zigzag(Int64(value)) }
    mutating func binary(_ id: Int16, _ value: [UInt8]) { header(id, .binary); varint(UInt64(value.count)); bytes += value }
    mutating func string(_ id: Int16, _ value: String) { binary(id, Array(value.utf8)) }

    /// A struct-valued field: `body` writes its fields.
    mutating func structure(_ id: Int16, _ body: (inout ThriftWriter) -> Void) {
        header(id, .structure)
        structBody(body)
    }

    /// A struct's fields and stop byte (at the top level, or as a list element).
    mutating func structBody(_ body: (inout ThriftWriter) -> Void) {
        lastIds.append(0)
        body(&self)
        bytes.append(0)
        lastIds.removeLast()
    }

    private mutating func listHeader(_ count: Int, _ element: FieldType) {
        if count < 15 { bytes.append(UInt8(count) << 4 | element.rawValue) } else {
            bytes.append(0xF0 | element.rawValue)
            varint(UInt64(count))
        }
    }

    mutating func list(_ id: Int16, structs count: Int, _ element: (inout ThriftWriter, Int) -> Void) {
        header(id, .list)
        listHeader(count, .structure)
        for i in 0..<count { structBody { element(&$0, i) } }
    }

    /// A list of structs encoded already (each its fields and stop byte, as `structBody` writes them).
    mutating func list(_ id: Int16, encodedStructs: [[UInt8]]) {
        header(id, .list)
        listHeader(encodedStructs.count, .structure)
        for s in encodedStructs { bytes += s }
    }

    mutating func list(_ id: Int16, i32s values: [Int32]) {
        header(id, .list)
        listHeader(values.count, .i32)
        for v in values { zigzag(Int64(v)) }
    }

    mutating func list(_ id: Int16, strings values: [String]) {
        header(id, .list)
        listHeader(values.count, .binary)
        for v in values {
            varint(UInt64(v.utf8.count))
            bytes += Array(v.utf8)
        }
    }
}
