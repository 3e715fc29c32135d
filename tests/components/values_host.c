/* C host for values.wat: defines the component's imported values in the
 * native layout (their declarations come from the generated header),
 * instantiates it twice, and reads the values its `start` made. Exits
 * nonzero on a failed check. */
#include "values.h" /* generated: wacc compile --header */
#include "host.h"

/* Root imports: `name` and `port`, and `locale` of instance `env`. */
const WaccString values_import_name = {"Ada", 3};
const WaccString values_import_env_locale = {"en-GB", 5};
const uint16_t values_import_port = 8080;

int main(void) {
    WaccStore *store = wacc_rt_store_new();
    values_ctx *ctx[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        uint32_t code = values_ctx_new(store, &ctx[i]);
        CHECK(code == 0, "instantiate: trap %u (%s)", code, wacc_rt_trap_message(code));
        if (code != 0)
            return 1;
    }
    /* The first context outlives the second: its values are its own. */
    values_ctx_free(ctx[1]);
    const WaccString *g = values_get_greeting(ctx[0]);
    printf("greeting = %.*s\n", (int)g->len, g->ptr);
    CHECK(g->len == 18 && memcmp(g->ptr, "hello, Ada (en-GB)", 18) == 0, "greeting");
    const uint16_t *port = values_get_port(ctx[0]);
    printf("port = %u\n", *port);
    CHECK(port == &values_import_port, "an imported value is exported as the host's own");
    uint32_t starts = 0;
    uint32_t code = values_starts(ctx[0], &starts);
    CHECK(code == 0 && starts == 1, "the start ran once per instance: %u (trap %u)", starts, code);
    printf("starts = %u\n", starts);
    values_ctx_free(ctx[0]);
    wacc_rt_store_free(store);
    if (failures == 0)
        printf("ok\n");
    return failures != 0;
}
