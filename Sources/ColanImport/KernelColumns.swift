import Dispatch
import ColanSupport
import ColanColumns

/// What the row kernels (`PlainCSVKernel`, `JSONRowKernel`) share: which
/// columns they may take, the dictionaries they borrow, and the column blocks
/// they hand back to the builders.
///
/// Unsafe pointer code. Invariant of `append`: `codes` and `ints` hold
/// `columns.count * stride` values, column `c`'s rows at `c * stride`, and
/// `rows <= stride`. Invariant of `gather`: the slices it fills are disjoint
/// and together cover the output exactly once.
enum KernelColumns {
    /// Whether each column takes text (true) or non-negative integers (false);
    /// nil when some column has settled on neither (no kernel then).
    static func settledKinds(_ columns: [ColumnBuilder]) -> [Bool]? {
        var isText = [Bool](repeating: false, count: columns.count)
        for c in columns.indices {
            switch columns[c].shortcut {
            case .text: isText[c] = true
            case .int: isText[c] = false
            case .none: return nil
            }
        }
        return isText
    }

    /// The text columns' dictionaries, moved out of the builders (so still
    /// uniquely referenced) for the kernel to look values up in; empty ones for the rest.
    static func lend(_ columns: inout [ColumnBuilder], _ isText: [Bool]) -> [TextDictionary] {
        columns.indices.map { isText[$0] ? columns[$0].lendDictionary() : TextDictionary() }
    }

    /// Puts the dictionaries `lend` took back into the builders, with the values added meanwhile.
    static func giveBack(_ dictionaries: [TextDictionary], _ isText: [Bool], to columns: inout [ColumnBuilder]) {
        for c in columns.indices where isText[c] { columns[c].returnDictionary(dictionaries[c]) }
    }

    /// Appends the first `rows` rows of the column blocks to the builders.
    static func append(_ rows: Int, codes: UnsafeMutablePointer<UInt32>, ints: UnsafeMutablePointer<Int64>, stride: Int,
                       _ isText: [Bool], to columns: inout [ColumnBuilder]) {
        guard rows > 0 else { return }
        for c in columns.indices {
            if isText[c] {
                columns[c].appendCodes(UnsafeBufferPointer(start: codes + c * stride, count: rows))
            } else {
                columns[c].appendNaturals(UnsafeBufferPointer(start: ints + c * stride, count: rows))
            }
        }
    }

    /// `codes.map { values[Int($0)] }`, on all cores for a big column (a
    /// 10M-row file's times from its labels' instants: one core for 40 ms,
    /// between the parallel parse and the parallel sort). Codes out of range trap.
    static func gather(_ codes: [UInt32], through values: [Int64]) -> [Int64] {
        let n = codes.count
        guard n >= Table.parallelRows else { return codes.map { values[Int($0)] } }
        return [Int64](unsafeUninitializedCapacity: n) { out, count in
            let target = UncheckedSendable(out)  // each slice initializes its own rows
            let slices = 16
            DispatchQueue.concurrentPerform(iterations: slices) { s in
                let lo = s * n / slices, hi = (s + 1) * n / slices
                guard let base = target.value.baseAddress else { return }
                for i in lo..<hi { (base + i).initialize(to: values[Int(codes[i])]) }
            }
            count = n
        }
    }
}
