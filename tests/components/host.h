/* Shared by the C hosts of tests/components: the C library and a CHECK
 * that counts failures. (Types and entries come from the header wacc
 * generates for each component.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wacc.h"

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
