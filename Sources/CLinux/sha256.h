#ifndef VFL_CLINUX_SHA256_H
#define VFL_CLINUX_SHA256_H

// SHA-256 block compression on the x86 SHA extensions (SHA-NI: sha256rnds2, sha256msg1, sha256msg2), for Core's
// HMAC-SHA256 hot path, and the CPUID test that says whether this machine has them. Elsewhere, or on an x86 without
// them, vfl_sha256_hardware_available() is 0 and Core uses its portable Swift compression (never calling the
// functions below). libc and compiler headers only, nothing to link.
//
// > "The SHA extensions ... sha256rnds2 performs two rounds of SHA256 operation using an initial SHA256 state
// > (C,D,G,H) from the first operand, an initial SHA256 state (A,B,E,F) from the second operand, and a pre-computed
// > sum of the next 2 round message dwords and the corresponding round constants from the implicit operand xmm0."
// > (Intel SHA Extensions, https://www.intel.com/content/www/us/en/developer/articles/technical/intel-sha-extensions.html)

#include <stdint.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>
#include <immintrin.h>

// 1 when the CPU has the SHA extensions and the SSSE3 and SSE4.1 instructions the compression also uses, else 0
// (CPUID leaf 7 EBX bit 29; leaf 1 ECX bits 9 and 19).
static inline int vfl_sha256_hardware_available(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    if (!(ecx & (1u << 9)) || !(ecx & (1u << 19))) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    return (ebx & (1u << 29)) != 0;
}

#define VFL_SHA256_TARGET __attribute__((target("sha,ssse3,sse4.1")))

// The round constants as pairs of 64-bit halves: K[4g+1]:K[4g] and K[4g+3]:K[4g+2].
static const uint64_t vfl_sha256_k[32] = {
    0x71374491428a2f98ULL, 0xe9b5dba5b5c0fbcfULL, 0x59f111f13956c25bULL, 0xab1c5ed5923f82a4ULL,
    0x12835b01d807aa98ULL, 0x550c7dc3243185beULL, 0x80deb1fe72be5d74ULL, 0xc19bf1749bdc06a7ULL,
    0xefbe4786e49b69c1ULL, 0x240ca1cc0fc19dc6ULL, 0x4a7484aa2de92c6fULL, 0x76f988da5cb0a9dcULL,
    0xa831c66d983e5152ULL, 0xbf597fc7b00327c8ULL, 0xd5a79147c6e00bf3ULL, 0x1429296706ca6351ULL,
    0x2e1b213827b70a85ULL, 0x53380d134d2c6dfcULL, 0x766a0abb650a7354ULL, 0x92722c8581c2c92eULL,
    0xa81a664ba2bfe8a1ULL, 0xc76c51a3c24b8b70ULL, 0xd6990624d192e819ULL, 0x106aa070f40e3585ULL,
    0x1e376c0819a4c116ULL, 0x34b0bcb52748774cULL, 0x4ed8aa4a391c0cb3ULL, 0x682e6ff35b9cca4fULL,
    0x78a5636f748f82eeULL, 0x8cc7020884c87814ULL, 0xa4506ceb90befffaULL, 0xc67178f2bef9a3f7ULL,
};

// Compresses one block into `state` (a..h): `words` are the block's 16 message words, already decoded from big
// endian. Call only when vfl_sha256_hardware_available() is 1.
VFL_SHA256_TARGET static inline void vfl_sha256_compress_hardware(uint32_t state[8], const uint32_t words[16]) {
    // a..d and e..h to the ABEF and CDGH orders sha256rnds2 works on.
    __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[0]), 0xB1);  // CDAB
    __m128i state1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[4]), 0x1B);  // EFGH
    __m128i state0 = _mm_alignr_epi8(tmp, state1, 8);  // ABEF
    state1 = _mm_blend_epi16(state1, tmp, 0xF0);  // CDGH
    const __m128i abef = state0;
    const __m128i cdgh = state1;
    __m128i m0 = _mm_loadu_si128((const __m128i *)&words[0]);
    __m128i m1 = _mm_loadu_si128((const __m128i *)&words[4]);
    __m128i m2 = _mm_loadu_si128((const __m128i *)&words[8]);
    __m128i m3 = _mm_loadu_si128((const __m128i *)&words[12]);
    __m128i message;
    // Four rounds of group g on W[4g..4g+3] in `cur`: the first two, then the next two (the high half).
#define VFL_SHA256_ROUNDS(g, cur)                                                                                   \
    message = _mm_add_epi32(cur, _mm_loadu_si128((const __m128i *)&vfl_sha256_k[2 * (g)]));                         \
    state1 = _mm_sha256rnds2_epu32(state1, state0, message);                                                        \
    message = _mm_shuffle_epi32(message, 0x0E);                                                                     \
    state0 = _mm_sha256rnds2_epu32(state0, state1, message)
    // W[4g+4..4g+7] into `next` (which held W[4g-12..4g-9], already through sha256msg1) from `cur` and `prev`.
#define VFL_SHA256_SCHEDULE(next, cur, prev) \
    next = _mm_sha256msg2_epu32(_mm_add_epi32(next, _mm_alignr_epi8(cur, prev, 4)), cur)
    // Unrolled by hand, so that the schedule stays in four registers.
    VFL_SHA256_ROUNDS(0, m0);
    VFL_SHA256_ROUNDS(1, m1);
    m0 = _mm_sha256msg1_epu32(m0, m1);
    VFL_SHA256_ROUNDS(2, m2);
    m1 = _mm_sha256msg1_epu32(m1, m2);
    VFL_SHA256_ROUNDS(3, m3);
    VFL_SHA256_SCHEDULE(m0, m3, m2);
    m2 = _mm_sha256msg1_epu32(m2, m3);
    VFL_SHA256_ROUNDS(4, m0);
    VFL_SHA256_SCHEDULE(m1, m0, m3);
    m3 = _mm_sha256msg1_epu32(m3, m0);
    VFL_SHA256_ROUNDS(5, m1);
    VFL_SHA256_SCHEDULE(m2, m1, m0);
    m0 = _mm_sha256msg1_epu32(m0, m1);
    VFL_SHA256_ROUNDS(6, m2);
    VFL_SHA256_SCHEDULE(m3, m2, m1);
    m1 = _mm_sha256msg1_epu32(m1, m2);
    VFL_SHA256_ROUNDS(7, m3);
    VFL_SHA256_SCHEDULE(m0, m3, m2);
    m2 = _mm_sha256msg1_epu32(m2, m3);
    VFL_SHA256_ROUNDS(8, m0);
    VFL_SHA256_SCHEDULE(m1, m0, m3);
    m3 = _mm_sha256msg1_epu32(m3, m0);
    VFL_SHA256_ROUNDS(9, m1);
    VFL_SHA256_SCHEDULE(m2, m1, m0);
    m0 = _mm_sha256msg1_epu32(m0, m1);
    VFL_SHA256_ROUNDS(10, m2);
    VFL_SHA256_SCHEDULE(m3, m2, m1);
    m1 = _mm_sha256msg1_epu32(m1, m2);
    VFL_SHA256_ROUNDS(11, m3);
    VFL_SHA256_SCHEDULE(m0, m3, m2);
    m2 = _mm_sha256msg1_epu32(m2, m3);
    VFL_SHA256_ROUNDS(12, m0);
    VFL_SHA256_SCHEDULE(m1, m0, m3);
    m3 = _mm_sha256msg1_epu32(m3, m0);
    VFL_SHA256_ROUNDS(13, m1);
    VFL_SHA256_SCHEDULE(m2, m1, m0);
    VFL_SHA256_ROUNDS(14, m2);
    VFL_SHA256_SCHEDULE(m3, m2, m1);
    VFL_SHA256_ROUNDS(15, m3);
#undef VFL_SHA256_ROUNDS
#undef VFL_SHA256_SCHEDULE
    state0 = _mm_add_epi32(state0, abef);
    state1 = _mm_add_epi32(state1, cdgh);
    // Back to a..d and e..h.
    tmp = _mm_shuffle_epi32(state0, 0x1B);  // FEBA
    state1 = _mm_shuffle_epi32(state1, 0xB1);  // DCHG
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(tmp, state1, 0xF0));  // DCBA
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(state1, tmp, 8));  // HGFE
}
#else
static inline int vfl_sha256_hardware_available(void) { return 0; }

static inline void vfl_sha256_compress_hardware(uint32_t state[8], const uint32_t words[16]) {
    (void)state;
    (void)words;
}
#endif

#endif
