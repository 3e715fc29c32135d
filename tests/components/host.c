/* C host for composed.wat: instantiates the component, calls its typed
 * exports over the native layout (canonical ABI memory layout with 64-bit
 * pointers), provides the root import `log`, and checks results and traps.
 * Prints what it sees; tests/tests/components.rs compares that with
 * expected.txt. Exits nonzero on the first failed check. */
#define COMPOSED_IMPLEMENTATION
#include "composed.h" /* generated: wacc compile --header */
#include "host.h"

static WaccString S(const char *s) {
    WaccString r = {s, strlen(s)};
    return r;
}

/* Root import `log: func(msg: string)`. A nonzero return is a trap code. */
static int log_calls = 0;
static uint32_t log_fail_code = 0;
static char last_log[256];

uint32_t composed_import_log(composed_ctx *ctx, WaccString msg) {
    (void)ctx;
    int n = (int)msg.len;
    log_calls++;
    printf("log[%d]: %.*s\n", log_calls, n, msg.ptr);
    snprintf(last_log, sizeof last_log, "%.*s", n, msg.ptr);
    return log_fail_code;
}

static composed_ctx *instantiate(WaccStore *store) {
    composed_ctx *ctx = NULL;
    uint32_t code = composed_ctx_new(store, &ctx);
    CHECK(code == 0, "instantiate: trap %u (%s)", code, wacc_rt_trap_message(code));
    CHECK(ctx != NULL, "instantiate: null context");
    if (code != 0 || ctx == NULL)
        exit(1);
    return ctx;
}

static uint32_t run(composed_ctx *ctx, const char *name, const composed_item_t *items,
                    size_t n, WaccString *out) {
    composed_list_item_t list = {items, n};
    memset(out, 0, sizeof *out);
    return composed_run(ctx, S(name), list, out);
}

static void expect_run(composed_ctx *ctx, const char *name, const composed_item_t *items,
                       size_t n, const char *want) {
    WaccString out;
    uint32_t code = run(ctx, name, items, n, &out);
    CHECK(code == 0, "run(%s): trap %u (%s)", name, code, wacc_rt_trap_message(code));
    if (code != 0)
        return;
    printf("run(%s) = %.*s\n", name, (int)out.len, out.ptr);
    CHECK(out.len == strlen(want) && memcmp(out.ptr, want, out.len) == 0,
          "run(%s) = '%.*s', want '%s'", name, (int)out.len, out.ptr, want);
    CHECK(strcmp(last_log, want) == 0, "last log '%s', want '%s'", last_log, want);
}

static void expect_trap(const char *what, uint32_t code, uint32_t want,
                        const char *want_msg) {
    const char *msg = wacc_rt_trap_message(code);
    printf("%s: trap %u (%s)\n", what, code, msg ? msg : "(null)");
    CHECK(code == want, "%s: trap %u, want %u", what, code, want);
    CHECK(msg && strcmp(msg, want_msg) == 0, "%s: message '%s', want '%s'",
          what, msg ? msg : "(null)", want_msg);
}

int main(void) {
    WaccStore *store = wacc_rt_store_new();
    CHECK(store != NULL, "wacc_rt_store_new failed");
    if (!store)
        return 1;

    /* 1. run: strings, a list of records and a resource cross the
     *    App -> Lib boundary; the log import is called twice per run. */
    composed_ctx *ctx = instantiate(store);
    composed_item_t items[] = {
        {S("apple"), 3},
        {S("*pear"), 4}, /* '*' counts double */
        {S("kiwi"), 2},
    };
    expect_run(ctx, "world", items, 3,
               "hello, world; total=13; counter=13; drops=2; last=101");
    CHECK(log_calls == 2, "log calls %d, want 2", log_calls);

    /* Second run on the same instance: Lib's state persists (drops), the
     * empty list crosses too, and handles are reused. */
    expect_run(ctx, "Ada Lovelace", NULL, 0,
               "hello, Ada Lovelace; total=0; counter=13; drops=4; last=101");
    CHECK(log_calls == 4, "log calls %d, want 4", log_calls);

    /* A longer list (allocated by Lib's realloc across the boundary) */
    composed_item_t many[40];
    char names[40][8];
    uint32_t want_total = 0;
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof names[i], "%c%d", i % 5 == 0 ? '*' : 'x', i);
        many[i].name = S(names[i]);
        many[i].qty = (uint32_t)i;
        want_total += (i % 5 == 0) ? 2u * i : (uint32_t)i;
    }
    char want[128];
    snprintf(want, sizeof want,
             "hello, many; total=%u; counter=13; drops=6; last=101", want_total);
    expect_run(ctx, "many", many, 40, want);

    /* greet exported directly from Lib (post-return runs after the lift) */
    {
        WaccString out = {0, 0};
        uint32_t code = composed_greet(ctx, S("root"), &out);
        CHECK(code == 0, "greet: trap %u", code);
        printf("greet(root) = %.*s\n", (int)out.len, out.ptr);
        CHECK(out.len == 11 && memcmp(out.ptr, "hello, root", 11) == 0,
              "greet(root) = '%.*s'", (int)out.len, out.ptr);
    }

    /* greet-raw: App passes bytes of its own memory to Lib ("; total=" is
     * App's data at 16). */
    {
        WaccString out = {0, 0};
        uint32_t code = composed_greet_raw(ctx, 16, 8, &out);
        CHECK(code == 0, "greet-raw(16, 8): trap %u", code);
        printf("greet-raw(16, 8) = %.*s\n", (int)out.len, out.ptr);
        CHECK(out.len == 15 && memcmp(out.ptr, "hello, ; total=", 15) == 0,
              "greet-raw(16, 8) = '%.*s'", (int)out.len, out.ptr);
    }

    /* 2. A trap in Lib (greet of an empty name) reaches the host through
     *    App's call as Unreachable. */
    {
        WaccString out;
        int before = log_calls;
        uint32_t code = run(ctx, "", items, 3, &out);
        expect_trap("run(\"\")", code, 1, "unreachable");
        CHECK(log_calls == before, "log called after the trap");
    }
    composed_ctx_free(ctx);

    /* 3. A fresh instance has fresh state; greet traps directly too. */
    ctx = instantiate(store);
    expect_run(ctx, "again", items, 1,
               "hello, again; total=3; counter=13; drops=2; last=101");
    {
        WaccString out;
        uint32_t code = composed_greet(ctx, S(""), &out);
        expect_trap("greet(\"\")", code, 1, "unreachable");
    }
    composed_ctx_free(ctx);

    /* Canonical ABI traps on the App -> Lib boundary, when the lowering in
     * App reads the string out of App's memory. */
    ctx = instantiate(store);
    {
        WaccString out;
        uint32_t code = composed_greet_raw(ctx, 65530, 100, &out);
        expect_trap("greet-raw(65530, 100)", code, 19, "string content out-of-bounds");
    }
    composed_ctx_free(ctx);
    ctx = instantiate(store);
    {
        WaccString out;
        uint32_t code = composed_greet_raw(ctx, 80, 2, &out);
        expect_trap("greet-raw(80, 2)", code, 21, "invalid utf-8");
    }
    composed_ctx_free(ctx);

    /* 4. A trap code returned by the host import propagates. */
    ctx = instantiate(store);
    {
        WaccString out;
        log_fail_code = 7;
        uint32_t code = run(ctx, "host", items, 3, &out);
        log_fail_code = 0;
        expect_trap("run with failing log", code, 7, "integer divide by zero");
    }
    composed_ctx_free(ctx);

    wacc_rt_store_free(store);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
