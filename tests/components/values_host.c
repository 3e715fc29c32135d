/* C host for values.wat: defines the component's imported values as data
 * symbols in the native layout, instantiates it twice, and reads the
 * values its `start` made through the `values_value_<name>` symbols.
 * Exits nonzero on a failed check. */
#include "host.h"

uint32_t values_instantiate(void *store, void **ctx);
uint32_t values_export_starts(void *ctx, const void *args, void *results);
const void *values_value_greeting(void *ctx);
const void *values_value_port(void *ctx);

/* Root imports: `name` and `port`, and `locale` of instance `env`. */
const str_t wacc_import_0__name = {"Ada", 3};
const str_t wacc_import_3_env_locale = {"en-GB", 5};
const uint16_t wacc_import_0__port = 8080;

int main(void) {
    void *store = wacc_rt_store_new();
    void *ctx[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        uint32_t code = values_instantiate(store, &ctx[i]);
        CHECK(code == 0, "instantiate: trap %u (%s)", code, wacc_rt_trap_message(code));
        if (code != 0)
            return 1;
    }
    /* The first context outlives the second: its values are its own. */
    wacc_rt_component_free(ctx[1]);
    const str_t *g = values_value_greeting(ctx[0]);
    printf("greeting = %.*s\n", (int)g->len, g->ptr);
    CHECK(g->len == 18 && memcmp(g->ptr, "hello, Ada (en-GB)", 18) == 0, "greeting");
    const uint16_t *port = values_value_port(ctx[0]);
    printf("port = %u\n", *port);
    CHECK(port == &wacc_import_0__port, "an imported value is exported as the host's own");
    uint32_t starts = 0;
    uint32_t code = values_export_starts(ctx[0], NULL, &starts);
    CHECK(code == 0 && starts == 1, "the start ran once per instance: %u (trap %u)", starts, code);
    printf("starts = %u\n", starts);
    wacc_rt_component_free(ctx[0]);
    wacc_rt_store_free(store);
    if (failures == 0)
        printf("ok\n");
    return failures != 0;
}
