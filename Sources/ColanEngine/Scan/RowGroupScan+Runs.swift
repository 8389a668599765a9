import ColanSupport
@_spi(Benchmarks) import ColanTime
import ColanColumns
import ColanFormat

extension RowGroupScan {
    /// Sums the next `m` rows by runs: with no time, filter or hidden row, a single run-length
    /// encoded grouping column (or none) gives each run of rows its group directly (rows in scan
    /// order run by their leading dimensions), so the kernel adds a run's metrics to one group.
    mutating func scanRuns(_ m: Int, pointers: [UnsafePointer<Int64>], into acc: inout Accumulators) throws {
        nextMetrics(m)
        var runs = 1
        if dimCursors.isEmpty {
            scratch.runGroups.pointer[0] = 0
            scratch.runLengths.pointer[0] = Int32(m)
        } else {
            do {
                runs = try dimCursors[0].nextRuns(m, codes: scratch.codes.pointer, lengths: scratch.runLengths.pointer,
                                                  scratch: scratch.wide.pointer)
            } catch let error as ColanError {
                throw located(error)
            }
            let groups = scratch.runGroups.pointer, codes = scratch.codes.pointer
            task.translations[0].withUnsafeBufferPointer { t in
                for r in 0..<runs { groups[r] = t[Int(codes[r])] }
            }
        }
        let inexact = !segment.exactViewers
        let width = acc.width
        let groups = scratch.runGroups.pointer, lengths = scratch.runLengths.pointer
        acc.dense.withUnsafeMutableBufferPointer { sums in
            GroupByKernel.accumulateRunList(pointers, groups: groups, lengths: lengths, runs: runs, sums: sums.baseAddress!,
                                            width: width, inexact: inexact)
        }
    }
}
