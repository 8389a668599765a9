#if canImport(Glibc)
import Glibc
#endif

/// Monotonic elapsed time, for summaries and `--explain` stage timings.
public struct Stopwatch: Sendable {
    private let start: Int64

    /// Starts timing now.
    public init() { start = Self.now() }

    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Seconds since `init`.
    public var seconds: Double { Double(Self.now() - start) / 1e9 }
}
