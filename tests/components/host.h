/* Shared by the C hosts of tests/components: the runtime's C API, the
 * native layout of strings, and a CHECK that counts failures. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *wacc_rt_store_new(void);
void wacc_rt_store_free(void *store);
void wacc_rt_component_free(void *ctx);
const char *wacc_rt_trap_message(uint32_t code);

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
