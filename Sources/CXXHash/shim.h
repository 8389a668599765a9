#ifndef COLAN_CXXHASH_SHIM_H
#define COLAN_CXXHASH_SHIM_H
// XXH3 from Debian's libxxhash-dev, compiled inline (header only): nothing to link,
// so the static release binary needs no libxxhash.a.
#define XXH_INLINE_ALL
#include <stddef.h>
#include <stdint.h>
#include <xxhash.h>

/// XXH3-128 (seed 0) of `length` bytes at `bytes`: its low and high 64 bits.
static inline void colan_xxh3_128(const void *bytes, size_t length, uint64_t *low, uint64_t *high) {
    XXH128_hash_t h = XXH3_128bits(bytes, length);
    *low = h.low64;
    *high = h.high64;
}
#endif
