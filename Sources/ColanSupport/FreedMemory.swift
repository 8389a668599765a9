#if canImport(Glibc)
import Glibc
#endif

/// Gives the pages of freed heap memory back to the system (glibc's `malloc_trim`). Memory one
/// thread frees stays in the arena of the thread that allocated it, where another thread's
/// allocations cannot use it: an import's commit, after the parse workers let go of a segment's
/// worth of held rows, would otherwise add its own on top of theirs (1.0 GiB instead of
/// 0.7 GiB peak on a 10M-row re-download). A walk of the arenas: call it after letting go of
/// much, not often.
package func returnFreedMemory() {
    #if canImport(Glibc)
    _ = glibcMallocTrim(0)
    #endif
}

#if canImport(Glibc)
/// glibc's `malloc_trim` (declared in malloc.h, which the Glibc module does not import).
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
