import ColanSupport

/// A scalar value read from JSON.
enum JSONScalar: Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    /// An integer too large for Int64, kept as text so the caller can say so.
    case bigInteger(String)
}

/// A strict streaming JSON scanner over a file's bytes (RFC 8259): no DOM,
/// no Foundation. Callers walk the document with `readObject`/`readArray`
/// callbacks and read scalars; anything they do not want is skipped without
/// recursion, so nesting a million levels deep cannot overflow the stack.
///
/// Every error names the byte offset, line and column, and what was expected.
struct JSONScanner {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    /// Deepest nesting accepted; reports nest three levels at most.
    static let maxDepth = 1000

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        // A UTF-8 byte order mark is allowed before the document.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
    }

    func error(_ message: String, at offset: Int? = nil) -> ColanError {
        ColanError(.importing, message, location: SourceLocation.describe(bytes, offset: offset ?? position))
    }

    @inline(__always) mutating func skipWhitespace() {
        while position < bytes.count {
            let b = bytes[position]
            if b == 32 || b == 10 || b == 13 || b == 9 { position += 1 } else { break }
        }
    }

    /// The next non-whitespace byte, not consumed; nil at the end.
    @inline(__always) mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    /// Consumes `byte` after any whitespace; `what` (built only on failure) names it in the error.
    mutating func expect(_ byte: UInt8, _ what: @autoclosure () -> String) throws {
        guard peek() == byte else {
            throw error(position < bytes.count ? "expected \(what()), found \(describeNext())" : "expected \(what()), found the end of the file (truncated?)")
        }
        position += 1
    }

    func describeNext() -> String {
        guard position < bytes.count else { return "the end of the file" }
        let b = bytes[position]
        if b >= 32 && b < 127 { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x\(String(b, radix: 16))"
    }

    /// Checks that only whitespace follows the document.
    mutating func expectEnd() throws {
        if peek() != nil { throw error("expected the end of the document, found \(describeNext())") }
    }

    /// Reads an object, calling `field` with each key; `field` must consume the value.
    mutating func readObject(_ field: (inout JSONScanner, String) throws -> Void) throws {
        try readObjectNameBytes(validatingNames: true) { s, name in try field(&s, String(decoding: name, as: UTF8.self)) }
    }

    /// `readObject` for hot loops: passes each field name as its bytes, so a
    /// caller can compare it with the names it expects without making a
    /// String. Names without escapes (nearly all) are passed as they lie in
    /// the file, checked as UTF-8 only when `validatingNames` (a caller making
    /// a String of an unchecked name must validate it); escaped names are
    /// decoded and checked first.
    mutating func readObjectNameBytes(validatingNames: Bool = false,
                                      _ field: (inout JSONScanner, UnsafeRawBufferPointer) throws -> Void) throws {
        try expect(123, "'{'")
        if peek() == 125 { position += 1; return }
        while true {
            guard peek() == 34 else { throw error("expected a field name in quotes, found \(describeNext())") }
            let quote = position
            position += 1
            while position < bytes.count, bytes[position] != 34, bytes[position] != 92, bytes[position] >= 32 { position += 1 }
            if position < bytes.count, bytes[position] == 34 {
                let name = UnsafeRawBufferPointer(rebasing: bytes[(quote + 1)..<position])
                if validatingNames, !UTF8Text.isValid(name) {
                    throw error("invalid UTF-8 in a string", at: quote + 1)
                }
                position += 1
                try expect(58, "':' after field name \"\(String(decoding: name, as: UTF8.self))\"")
                try field(&self, name)
            } else {
                position = quote
                var name = try readString()
                try expect(58, "':' after field name \"\(name)\"")
                try name.withUTF8 { try field(&self, UnsafeRawBufferPointer($0)) }
            }
            guard let b = peek() else { throw error("expected ',' or '}', found the end of the file (truncated?)") }
            position += 1
            if b == 125 { return }
            guard b == 44 else { position -= 1; throw error("expected ',' or '}', found \(describeNext())") }
        }
    }

    /// An ASCII string value without escapes or control characters (valid
    /// UTF-8 by construction), as the bytes between its quotes, moving past it;
    /// nil, with nothing consumed, for anything else: the caller then reads a
    /// scalar, which decodes escapes and checks UTF-8 with its own errors.
    mutating func readPlainStringBytes() -> UnsafeRawBufferPointer? {
        guard peek() == 34 else { return nil }
        var end = position + 1
        while end < bytes.count {
            let b = bytes[end]
            if b == 34 {
                let text = UnsafeRawBufferPointer(rebasing: bytes[(position + 1)..<end])
                position = end + 1
                return text
            }
            if b == 92 || b < 32 || b >= 128 { return nil }
            end += 1
        }
        return nil
    }

    /// Reads an array, calling `element` for each element; `element` must consume it.
    mutating func readArray(_ element: (inout JSONScanner) throws -> Void) throws {
        try expect(91, "'['")
        if peek() == 93 { position += 1; return }
        while true {
            try element(&self)
            guard let b = peek() else { throw error("expected ',' or ']', found the end of the file (truncated?)") }
            position += 1
            if b == 93 { return }
            guard b == 44 else { position -= 1; throw error("expected ',' or ']', found \(describeNext())") }
        }
    }

    /// Reads a scalar value (string, number, true, false, null).
    mutating func readScalar() throws -> JSONScalar {
        guard let b = peek() else { throw error("expected a value, found the end of the file (truncated?)") }
        switch b {
        case 34: return .string(try readString())
        case 116: try literal("true"); return .bool(true)
        case 102: try literal("false"); return .bool(false)
        case 110: try literal("null"); return .null
        case 45, 48...57: return try readNumber()
        default: throw error("expected a value, found \(describeNext())")
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard position + n <= bytes.count else { throw error("expected '\(word)', found the end of the file (truncated?)") }
        for i in 0..<n where bytes[position + i] != word.utf8Start[i] {
            throw error("expected '\(word)'")
        }
        position += n
    }

    /// Reads a number: an Int64 when it is an integer that fits, a Double otherwise.
    mutating func readNumber() throws -> JSONScalar {
        let start = position
        if bytes[position] == 45 { position += 1 }
        guard position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 else { throw error("expected a digit") }
        if bytes[position] == 48, position + 1 < bytes.count, bytes[position + 1] >= 48, bytes[position + 1] <= 57 {
            throw error("a number may not start with 0")
        }
        var isInteger = true
        while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 { position += 1 }
        if position < bytes.count, bytes[position] == 46 {
            isInteger = false
            position += 1
            let digits = position
            while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 { position += 1 }
            guard position > digits else { throw error("expected a digit after '.'") }
        }
        if position < bytes.count, bytes[position] == 101 || bytes[position] == 69 {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == 43 || bytes[position] == 45 { position += 1 }
            let digits = position
            while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 { position += 1 }
            guard position > digits else { throw error("expected a digit in the exponent") }
        }
        let text = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
        if isInteger {
            var value: Int64 = 0
            let negative = text[0] == 45
            var overflow = false
            for b in text.dropFirst(negative ? 1 : 0) {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = negative ? m.subtractingReportingOverflow(Int64(b - 48)) : m.addingReportingOverflow(Int64(b - 48))
                if o1 || o2 { overflow = true; break }
                value = a
            }
            if !overflow { return .int(value) }
            return .bigInteger(String(decoding: text, as: UTF8.self))
        }
        guard let d = Double(String(decoding: text, as: UTF8.self)), d.isFinite else {
            throw error("number \(String(decoding: text, as: UTF8.self)) is out of range", at: start)
        }
        return .double(d)
    }

    /// Reads a string, decoding escapes and rejecting invalid UTF-8 and control characters.
    mutating func readString() throws -> String {
        try expect(34, "'\"'")
        let start = position
        // Fast path: no escapes.
        while position < bytes.count {
            let b = bytes[position]
            if b == 34 {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
                position += 1
                guard let s = UTF8Text.string(raw) else { throw error("invalid UTF-8 in a string", at: start) }
                return s
            }
            if b == 92 || b < 32 { break }
            position += 1
        }
        var out: [UInt8] = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        while true {
            guard position < bytes.count else { throw error("unterminated string (truncated?)", at: start - 1) }
            let b = bytes[position]
            if b == 34 { position += 1; break }
            if b < 32 { throw error("control character 0x\(String(b, radix: 16)) in a string; it must be escaped") }
            if b != 92 { out.append(b); position += 1; continue }
            position += 1
            guard position < bytes.count else { throw error("unterminated escape (truncated?)") }
            let e = bytes[position]
            position += 1
            switch e {
            case 34: out.append(34)
            case 92: out.append(92)
            case 47: out.append(47)
            case 98: out.append(8)
            case 102: out.append(12)
            case 110: out.append(10)
            case 114: out.append(13)
            case 116: out.append(9)
            case 117:
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard position + 1 < bytes.count, bytes[position] == 92, bytes[position + 1] == 117 else {
                        throw error("unpaired surrogate \\u\(String(scalar, radix: 16))")
                    }
                    position += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw error("invalid low surrogate \\u\(String(low, radix: 16))") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw error("unpaired surrogate \\u\(String(scalar, radix: 16))")
                }
                guard let u = Unicode.Scalar(scalar) else { throw error("invalid escape \\u\(String(scalar, radix: 16))") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'", at: position - 2)
            }
        }
        guard let s = UTF8Text.string(out) else { throw error("invalid UTF-8 in a string", at: start) }
        return s
    }

    private mutating func hex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[position]
            let d: UInt32
            switch b {
            case 48...57: d = UInt32(b - 48)
            case 97...102: d = UInt32(b - 87)
            case 65...70: d = UInt32(b - 55)
            default: throw error("expected a hex digit in a \\u escape")
            }
            v = v << 4 | d
            position += 1
        }
        return v
    }

    /// Skips the array or object at the position by its brackets and strings alone, checking
    /// nothing between them (whoever needs its values reads them properly later): a big file's
    /// rows array, passed over to read what follows it. `progress` is told how far the skip has
    /// come every `step` bytes (the caller lets those pages go).
    mutating func skipStructure(every step: Int, progress: (Int) -> Void) throws {
        guard let first = peek(), first == 91 || first == 123, let base = bytes.baseAddress else {
            throw error("expected an array or an object, found \(describeNext())")
        }
        let n = bytes.count
        var i = position, depth = 0, reported = position
        // Eight bytes at a time, the bytes that matter found by SWAR: outside strings a quote or a
        // bracket ('[' and '{' are ']' and '}' with 0x20 set), inside them a quote or a backslash.
        // (A word's lowest flagged byte is exact; higher flags may be false after a true one.)
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroBytes(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        @inline(__always) func word(_ at: Int) -> UInt64 { UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self) }
        var inString = false
        while i < n {
            // To the next byte that matters.
            while i + 8 <= n {
                let w = word(i)
                let flags: UInt64
                if inString {
                    flags = zeroBytes(w ^ (ones &* 34)) | zeroBytes(w ^ (ones &* 92))
                } else {
                    let folded = w | (ones &* 0x20)
                    flags = zeroBytes(w ^ (ones &* 34)) | zeroBytes(folded ^ (ones &* 0x7B)) | zeroBytes(folded ^ (ones &* 0x7D))
                }
                if flags != 0 {
                    i += flags.trailingZeroBitCount >> 3
                    break
                }
                i += 8
            }
            guard i < n else { break }
            let b = bytes[i]
            if inString {
                if b == 92 { i += 2; continue }  // an escaped character
                if b == 34 { inString = false }
            } else {
                switch b {
                case 34: inString = true
                case 91, 123: depth += 1
                case 93, 125:
                    depth -= 1
                    if depth == 0 {
                        position = i + 1
                        return
                    }
                default: break
                }
            }
            i += 1
            if i - reported >= step {
                progress(i)
                reported = i
            }
        }
        position = n
        throw error("expected a closing bracket, found the end of the file (truncated?)")
    }

    /// Skips one value of any shape, iteratively (no recursion), checking its syntax.
    mutating func skipValue() throws {
        var stack: [UInt8] = []  // 123 object, 91 array
        var expectingValue = true
        while true {
            if expectingValue {
                guard let b = peek() else { throw error("expected a value, found the end of the file (truncated?)") }
                if b == 123 || b == 91 {
                    stack.append(b)
                    guard stack.count <= Self.maxDepth else {
                        throw error("nesting deeper than \(Self.maxDepth) levels")
                    }
                    position += 1
                    let close: UInt8 = b == 123 ? 125 : 93
                    if peek() == close { position += 1; stack.removeLast() } else {
                        if b == 123 {
                            guard peek() == 34 else { throw error("expected a field name in quotes, found \(describeNext())") }
                            _ = try readString()
                            try expect(58, "':'")
                        }
                        continue
                    }
                } else {
                    _ = try readScalar()
                }
            }
            guard let open = stack.last else { return }
            guard let b = peek() else { throw error("expected ',' or a closing bracket, found the end of the file (truncated?)") }
            let close: UInt8 = open == 123 ? 125 : 93
            if b == close {
                position += 1
                stack.removeLast()
                expectingValue = false
                if stack.isEmpty { return }
                continue
            }
            guard b == 44 else { throw error("expected ',' or '\(Character(Unicode.Scalar(close)))', found \(describeNext())") }
            position += 1
            if open == 123 {
                guard peek() == 34 else { throw error("expected a field name in quotes, found \(describeNext())") }
                _ = try readString()
                try expect(58, "':'")
            }
            expectingValue = true
        }
    }
}
