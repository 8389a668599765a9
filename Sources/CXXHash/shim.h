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

/// Streaming XXH3-128 (seed 0): the same hash as `colan_xxh3_128` of the bytes given to
/// `colan_xxh3_128_update` in order (a file hashed block by block, never held whole).
/// `colan_xxh3_128_end` frees the state.
static inline void *colan_xxh3_128_begin(void) {
    XXH3_state_t *state = XXH3_createState();
    if (state) XXH3_128bits_reset(state);
    return state;
}
static inline void colan_xxh3_128_update(void *state, const void *bytes, size_t length) {
    XXH3_128bits_update((XXH3_state_t *)state, bytes, length);
}
static inline void colan_xxh3_128_end(void *state, uint64_t *low, uint64_t *high) {
    XXH128_hash_t h = XXH3_128bits_digest((XXH3_state_t *)state);
    *low = h.low64;
    *high = h.high64;
    XXH3_freeState((XXH3_state_t *)state);
}

/// Streaming XXH64 with a seed (the content hash stores recorded before XXH3); `end` frees the state.
static inline void *colan_xxh64_begin(uint64_t seed) {
    XXH64_state_t *state = XXH64_createState();
    if (state) XXH64_reset(state, seed);
    return state;
}
static inline void colan_xxh64_update(void *state, const void *bytes, size_t length) {
    XXH64_update((XXH64_state_t *)state, bytes, length);
}
static inline uint64_t colan_xxh64_end(void *state) {
    uint64_t h = XXH64_digest((XXH64_state_t *)state);
    XXH64_freeState((XXH64_state_t *)state);
    return h;
}
#endif
