/* Shared by the C hosts of tests/components: the runtime's C API
 * (runtime-support/include/wacc.h), the native layout of strings, and a
 * CHECK that counts failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wacc.h"

typedef struct {
    const char *ptr;
    uint64_t len;
} str_t;

static int failures = 0;

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);               \
            fprintf(stderr, __VA_ARGS__);                                      \
            fprintf(stderr, "\n");                                             \
            failures++;                                                        \
        }                                                                      \
    } while (0)
