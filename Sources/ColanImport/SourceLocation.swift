/// Turns a byte offset into "line L, column C" for error messages, counting
/// only when an error is reported (never on the hot path).
enum SourceLocation {
    static func describe(_ bytes: UnsafeRawBufferPointer, offset: Int) -> String {
        var line = 1, lineStart = 0
        let end = min(max(offset, 0), bytes.count)
        var i = 0
        while i < end {
            if bytes[i] == 10 { line += 1; lineStart = i + 1 }
            i += 1
        }
        return "line \(line), column \(end - lineStart + 1) (byte \(end))"
    }
}
