/* 128-bit SIMD in a WASI program: explicit intrinsics (wasm_simd128.h) and
 * loops clang vectorizes with -msimd128, each checked against a scalar
 * version of the same computation compiled without vectorization. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <wasm_simd128.h>

#define N 1000
static int16_t a16[N], b16[N];
static uint8_t bytes[N];
static float xf[N], yf[N];
static int failures;

static void check(const char *what, long long got, long long want) {
    printf("%s: %lld%s\n", what, got, got == want ? "" : " (scalar says otherwise)");
    if (got != want) failures++;
}

/* ---- scalar references: never vectorized ---- */
#pragma clang optimize off
static long long dot_scalar(void) {
    long long s = 0;
    for (int i = 0; i < N; i++) s += (int32_t)a16[i] * b16[i];
    return s;
}
static long long bytes_scalar(void) {
    long long s = 0;
    for (int i = 0; i < N; i++) s += bytes[i] > 100 ? bytes[i] : 255 - bytes[i];
    return s;
}
static long long saxpy_scalar(float k) {
    double s = 0;
    for (int i = 0; i < N; i++) s += k * xf[i] + yf[i];
    return (long long)(s * 1000);
}
static long long minmax_scalar(void) {
    int16_t lo = INT16_MAX, hi = INT16_MIN;
    for (int i = 0; i < N; i++) {
        if (a16[i] < lo) lo = a16[i];
        if (a16[i] > hi) hi = a16[i];
    }
    return (long long)lo * 100000 + hi;
}
static long long sat_scalar(void) {
    long long s = 0;
    for (int i = 0; i < N; i++) {
        int v = a16[i] + b16[i];
        s += v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v;
    }
    return s;
}
#pragma clang optimize on

/* ---- intrinsics ---- */
static long long dot_simd(void) {
    v128_t acc = wasm_i32x4_splat(0);
    for (int i = 0; i < N; i += 8) {
        v128_t x = wasm_v128_load(&a16[i]), y = wasm_v128_load(&b16[i]);
        acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(x, y));
    }
    return (long long)wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1)
         + wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3);
}
static long long minmax_simd(void) {
    v128_t lo = wasm_i16x8_splat(INT16_MAX), hi = wasm_i16x8_splat(INT16_MIN);
    for (int i = 0; i < N; i += 8) {
        v128_t x = wasm_v128_load(&a16[i]);
        lo = wasm_i16x8_min(lo, x);
        hi = wasm_i16x8_max(hi, x);
    }
    int16_t l[8], h[8];
    wasm_v128_store(l, lo);
    wasm_v128_store(h, hi);
    int16_t rl = l[0], rh = h[0];
    for (int i = 1; i < 8; i++) {
        if (l[i] < rl) rl = l[i];
        if (h[i] > rh) rh = h[i];
    }
    return (long long)rl * 100000 + rh;
}
static long long sat_simd(void) {
    long long s = 0;
    for (int i = 0; i < N; i += 8) {
        v128_t v = wasm_i16x8_add_sat(wasm_v128_load(&a16[i]), wasm_v128_load(&b16[i]));
        v128_t lo = wasm_i32x4_extend_low_i16x8(v), hi = wasm_i32x4_extend_high_i16x8(v);
        v128_t sum = wasm_i32x4_add(lo, hi);
        s += wasm_i32x4_extract_lane(sum, 0) + wasm_i32x4_extract_lane(sum, 1)
           + wasm_i32x4_extract_lane(sum, 2) + wasm_i32x4_extract_lane(sum, 3);
    }
    return s;
}
static int shuffle_simd(void) {
    v128_t x = wasm_i8x16_make(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    v128_t r = wasm_i8x16_shuffle(x, x, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    v128_t s = wasm_i8x16_swizzle(x, wasm_i8x16_make(3, 3, 40, 0, 1, 2, 15, 16, 0, 0, 0, 0, 0, 0, 0, 0));
    return wasm_i8x16_bitmask(wasm_i8x16_gt(r, x)) * 1000 + wasm_u8x16_extract_lane(s, 6)
         + wasm_u8x16_extract_lane(s, 2) + wasm_u8x16_extract_lane(s, 7);
}

/* ---- loops clang vectorizes ---- */
static long long bytes_auto(void) {
    long long s = 0;
    for (int i = 0; i < N; i++) s += bytes[i] > 100 ? bytes[i] : 255 - bytes[i];
    return s;
}
static long long saxpy_auto(float k) {
    static float out[N];
    for (int i = 0; i < N; i++) out[i] = k * xf[i] + yf[i];
    double s = 0;
    for (int i = 0; i < N; i++) s += out[i];
    return (long long)(s * 1000);
}

int main(void) {
    uint32_t seed = 12345;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245 + 12345;
        a16[i] = (int16_t)((seed >> 8) % 8192) - 4096;
        b16[i] = (int8_t)(seed >> 15);
        bytes[i] = (uint8_t)(seed >> 20);
        xf[i] = (float)(seed % 1000) / 7.0f;
        yf[i] = sqrtf((float)i);
    }
    check("i32x4.dot_i16x8_s", dot_simd(), dot_scalar());
    check("i16x8.min_s/max_s", minmax_simd(), minmax_scalar());
    check("i16x8.add_sat_s", sat_simd(), sat_scalar());
    check("shuffle/swizzle/bitmask", shuffle_simd(), 255 * 1000 + 15);
    check("vectorized byte select", bytes_auto(), bytes_scalar());
    check("vectorized saxpy", saxpy_auto(2.5f), saxpy_scalar(2.5f));
    printf("%s\n", failures ? "FAILED" : "all agree");
    return failures != 0;
}
