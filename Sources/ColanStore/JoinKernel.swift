/// The inner loop of joining a report's dictionary-coded column into a
/// segment's (`SegmentBatch`): each local code translated to the segment's
/// dictionary, and which local values occur marked on the way.
///
/// Unsafe pointer code. Invariants: every local code is below
/// `translation.count` (checked for each code: a wrong one stops the
/// process instead of reading past the table), and `seen`, when marking,
/// holds at least `translation.count` flags.
enum JoinKernel {
    /// Appends `translation[code]` to `out` for every code of `local`; with
    /// `marking`, also sets `seen[code]`. A plain Swift loop of `append`s spent
    /// about 1.8 ns a value here (capacity and bounds checks on every call):
    /// the values are written in place after `out` is extended once.
    static func appendTranslated(_ local: [UInt32], through translation: [UInt32], to out: inout [UInt32],
                                 marking: Bool, seen: inout [Bool]) {
        let n = local.count
        guard n > 0 else { return }
        let start = out.count
        // Grown geometrically when needed (a segment's arrays are normally reserved whole up front).
        if out.capacity < start + n { out.reserveCapacity(max(start + n, 2 * out.capacity)) }
        out.append(contentsOf: repeatElement(0, count: n))
        precondition(!marking || seen.count >= translation.count, "a flag for every local value")
        let count = UInt32(translation.count)
        local.withUnsafeBufferPointer { codes in
            translation.withUnsafeBufferPointer { table in
                out.withUnsafeMutableBufferPointer { joined in
                    guard let codes = codes.baseAddress, let table = table.baseAddress, let target = joined.baseAddress else { return }
                    let into = target + start
                    if marking {
                        seen.withUnsafeMutableBufferPointer { flags in
                            guard let flags = flags.baseAddress else { return }
                            for i in 0..<n {
                                let code = codes[i]
                                precondition(code < count, "a code beyond its dictionary")
                                into[i] = table[Int(code)]
                                flags[Int(code)] = true
                            }
                        }
                    } else {
                        for i in 0..<n {
                            let code = codes[i]
                            precondition(code < count, "a code beyond its dictionary")
                            into[i] = table[Int(code)]
                        }
                    }
                }
            }
        }
    }
}
