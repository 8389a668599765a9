#if canImport(Glibc)
import Glibc
#endif
import ColanSupport

/// A strict RFC 4180 CSV scanner over a file's bytes: a header line, then
/// records; fields may be quoted, holding commas, doubled quotes and line
/// breaks; lines end in LF or CRLF; a UTF-8 byte order mark is skipped.
///
/// Records are returned as byte ranges, so numbers are parsed from the bytes
/// and only string fields become Strings.
struct CSVScanner {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    /// 1-based line of the record last returned (its first line).
    private(set) var line = 1
    /// 1-based line the next record starts on (before blank lines are skipped).
    private(set) var nextLine = 1

    /// The file holds no quote and no carriage return: every field ends at the
    /// next ',' or line feed, and `nextField` looks for those two bytes only
    /// (decided once per file with memchr, which runs at memory speed).
    let plain: Bool

    /// A scanner over `bytes`; `plain` when already known (a chunk of a plain file,
    /// or a header read on the general path).
    init(_ bytes: UnsafeRawBufferPointer, plain known: Bool? = nil) {
        self.bytes = bytes
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
        plain = known ?? Self.isPlain(bytes)
    }

    /// A scanner over a window of a file that begins on line `firstLine` at a record's start
    /// (no byte order mark is skipped there), deciding plainness itself.
    init(window bytes: UnsafeRawBufferPointer, firstLine: Int) {
        self.init(bytes)
        position = 0
        line = firstLine
        nextLine = firstLine
    }

    /// A scanner that continues `other` (from its position and line), deciding plainness itself.
    init(continuing other: CSVScanner) {
        self.init(other.bytes)
        position = other.position
        line = other.line
        nextLine = other.nextLine
    }

    /// Whether `bytes` hold no quote and no carriage return.
    static func isPlain(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        return memchr(base, 34, bytes.count) == nil && memchr(base, 13, bytes.count) == nil
    }

    /// One field: its bytes (without surrounding quotes) and whether it was
    /// quoted (then doubled quotes inside still need collapsing).
    struct Field {
        var range: Range<Int>
        var quoted: Bool
    }

    func error(_ message: String, at offset: Int? = nil) -> ColanError {
        ColanError(.importing, message, location: SourceLocation.describe(bytes, offset: offset ?? position))
    }

    /// Reads the next record into `fields`; false at the end of the file.
    /// Blank lines are skipped.
    mutating func next(into fields: inout [Field]) throws -> Bool {
        fields.removeAll(keepingCapacity: true)
        guard beginRecord() else { return false }
        while true {
            let (field, last) = try nextField()
            fields.append(field)
            if last { return true }
        }
    }

    /// Moves to the next record, skipping blank lines, and sets `line` to its
    /// first line; false at the end of the file. Its fields follow with `nextField`.
    @inline(__always) mutating func beginRecord() -> Bool {
        while position < bytes.count, bytes[position] == 10 || bytes[position] == 13 {
            if bytes[position] == 10 { nextLine += 1 }
            position += 1
        }
        guard position < bytes.count else { return false }
        line = nextLine
        return true
    }

    /// Reads one field of the current record and the delimiter after it:
    /// the field, and whether it was the record's last one.
    @inline(__always) mutating func nextField() throws -> (field: Field, last: Bool) {
        if plain { return nextPlainField() }
        let field: Field
        if position < bytes.count, bytes[position] == 34 {
            field = try quotedField()
        } else {
            let start = position
            skipToDelimiter()
            while position < bytes.count {
                let b = bytes[position]
                if b == 44 || b == 10 || b == 13 { break }
                if b == 34 { throw error("a quote inside an unquoted field; quote the whole field and double the quote") }
                position += 1
            }
            field = Field(range: start..<position, quoted: false)
        }
        guard position < bytes.count else { return (field, true) }
        let b = bytes[position]
        position += 1
        if b == 44 { return (field, false) }
        if b == 13 {
            guard position < bytes.count, bytes[position] == 10 else {
                if position >= bytes.count { return (field, true) }
                throw error("a carriage return not followed by a line feed", at: position - 1)
            }
            position += 1
        }
        nextLine += 1
        return (field, true)
    }

    /// Moves past `rows` rows (one line each) read by `PlainCSVKernel`: to `position`, past `lineFeeds` line ends.
    mutating func skipPlainRows(_ rows: Int, to position: Int, lineFeeds: Int) {
        self.position = position
        line = nextLine + rows - 1
        nextLine += lineFeeds
    }

    /// `nextField` for a plain file: up to the next ',' or line feed, found
    /// eight bytes at a time.
    @inline(__always) private mutating func nextPlainField() -> (field: Field, last: Bool) {
        let start = position
        let end = bytes.count
        while position &+ 8 <= end {
            let w = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
            let hits = Self.zeroBytes(w ^ 0x2C2C_2C2C_2C2C_2C2C) | Self.zeroBytes(w ^ 0x0A0A_0A0A_0A0A_0A0A)
            if hits != 0 {
                position &+= hits.trailingZeroBitCount &>> 3
                return plainDelimiter(start)
            }
            position &+= 8
        }
        while position < end, bytes[position] != 44, bytes[position] != 10 { position &+= 1 }
        return plainDelimiter(start)
    }

    /// The field from `start` to `position` (a ',', a line feed or the end), and steps past the delimiter.
    @inline(__always) private mutating func plainDelimiter(_ start: Int) -> (field: Field, last: Bool) {
        let field = Field(range: start..<position, quoted: false)
        guard position < bytes.count else { return (field, true) }
        let comma = bytes[position] == 44
        position &+= 1
        if comma { return (field, false) }
        nextLine &+= 1
        return (field, true)
    }

    /// A quoted field starting at `position` (its opening quote), up to the
    /// closing quote, which must be followed by a delimiter or the end.
    private mutating func quotedField() throws -> Field {
        let open = position
        position += 1
        let start = position
        while true {
            guard position < bytes.count else { throw error("unterminated quoted field (truncated?)", at: open) }
            let b = bytes[position]
            if b == 34 {
                if position + 1 < bytes.count, bytes[position + 1] == 34 { position += 2; continue }
                break
            }
            if b == 10 { nextLine += 1 }
            position += 1
        }
        let field = Field(range: start..<position, quoted: true)
        position += 1
        guard position >= bytes.count || bytes[position] == 44 || bytes[position] == 10 || bytes[position] == 13 else {
            throw error("expected ',' or a line end after a closing quote")
        }
        return field
    }

    /// Moves `position` to the first ',', '"', CR or LF at or after it, or to
    /// within 8 bytes of the end: eight bytes at a time (SWAR), since most of a
    /// CSV file is unquoted field bytes. The byte loop after it finishes the job.
    @inline(__always) private mutating func skipToDelimiter() {
        while position + 8 <= bytes.count {
            let w = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
            let hits = Self.zeroBytes(w ^ 0x2C2C_2C2C_2C2C_2C2C) | Self.zeroBytes(w ^ 0x0A0A_0A0A_0A0A_0A0A)
                | Self.zeroBytes(w ^ 0x0D0D_0D0D_0D0D_0D0D) | Self.zeroBytes(w ^ 0x2222_2222_2222_2222)
            if hits != 0 {
                position += hits.trailingZeroBitCount >> 3
                return
            }
            position += 8
        }
    }

    /// The 0x80 bit of every zero byte of `x` (SWAR): the lowest one marks the
    /// first zero byte exactly; higher ones may be false, so only the lowest is used.
    @inline(__always) private static func zeroBytes(_ x: UInt64) -> UInt64 {
        (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
    }

    /// Runs `body` over a field's bytes with doubled quotes collapsed (copied
    /// only when the field holds quotes).
    func withUnescaped<T>(_ field: Field, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try Self.withUnescaped(field, in: bytes, body)
    }

    /// `withUnescaped` for a field of `bytes` (the file): the field loop passes
    /// the file's bytes, not the scanner (a copy of the scanner per field was
    /// measured to stall on its own recent stores once the struct grew).
    static func withUnescaped<T>(_ field: Field, in bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[field.range])
        guard field.quoted, raw.contains(34) else { return try body(raw) }
        var out: [UInt8] = []
        var i = 0
        while i < raw.count {
            out.append(raw[i])
            i += raw[i] == 34 ? 2 : 1
        }
        return try out.withUnsafeBytes { try body($0) }
    }

    /// The text of a field, with doubled quotes collapsed; invalid UTF-8 is an error.
    func string(_ field: Field) throws -> String {
        try withUnescaped(field) { text in
            guard let s = UTF8Text.string(text) else { throw error("invalid UTF-8", at: field.range.lowerBound) }
            return s
        }
    }

}
