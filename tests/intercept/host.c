/* The C host of tests/intercept/demo.wat under tests/intercept/policy.toml:
 * a custom hook that rewrites arguments and results and refuses a call,
 * firewall denials (a trap naming the rule, and an error value), and the
 * statistics API. Prints what it sees; exits 1 on a failed check. */
#define DEMO_IMPLEMENTATION
#include "demo.h"
#include <stdio.h>
#include <string.h>

static int failed;
#define CHECK(c, ...) do { if (!(c)) { printf("FAILED: " __VA_ARGS__); printf("\n"); failed = 1; } } while (0)

static int host_reached;

uint32_t demo_import_double(demo_ctx *ctx, uint32_t x, uint32_t *ret) {
    (void)ctx;
    *ret = 2 * x;
    return 0;
}

uint32_t demo_import_read_secret(demo_ctx *ctx, uint32_t *ret) {
    (void)ctx;
    host_reached = 1;
    *ret = 42;
    return 0;
}

uint32_t demo_import_open_file(demo_ctx *ctx, WaccString path, demo_result_u32_error_t *ret) {
    (void)ctx; (void)path;
    host_reached = 1;
    ret->is_err = 0;
    ret->val.ok = 7;
    return 0;
}

static int is(const WaccName *n, const char *s) {
    return n->len == strlen(s) && memcmp(n->ptr, s, n->len) == 0;
}

static const char hooked[] = "HOOKED";

/* scale: x + 1 before, result + 1000 after; run: refuses x == 13 with code
 * 77; shout: its result replaced. Sites by the header's constants, values
 * through its typed views. */
uint32_t test_hook(void *ctx, const WaccSite *site, uint32_t phase, void *args, void *result) {
    (void)ctx;
    switch (site->index) {
    case DEMO_SITE_INTERNAL_C2_SCALE:
        if (!is(&site->function, "scale")) return 99;
        if (phase == WACC_PHASE_BEFORE) ((demo_site3_args_t *)args)->x += 1;
        else *(uint32_t *)result += 1000;
        return 0;
    case DEMO_SITE_EXPORT_HOST_RUN:
        if (phase == WACC_PHASE_BEFORE && ((demo_site6_args_t *)args)->x == 13) return 77;
        return 0;
    case DEMO_SITE_EXPORT_HOST_SHOUT:
        if (phase == WACC_PHASE_AFTER) {
            WaccString *s = (WaccString *)result;
            s->ptr = hooked;
            s->len = sizeof hooked - 1;
        }
        return 0;
    default:
        return 98; /* no other site has the hook */
    }
}

static demo_ctx *fresh(WaccStore *store) {
    demo_ctx *ctx = NULL;
    uint32_t code = demo_ctx_new(store, &ctx);
    CHECK(code == 0, "instantiate: %u", code);
    return ctx;
}

int main(void) {
    WaccStore *store = wacc_rt_store_new();
    demo_ctx *ctx = fresh(store);
    uint32_t r = 0;
    uint32_t code = demo_run(ctx, 5, &r);
    /* double(5) = 10, hooked to scale(11) = 110, hooked to 1110 */
    printf("run(5) = %u (code %u)\n", r, code);
    CHECK(code == 0 && r == 1110, "run(5)");

    WaccString s = {"hi there", 8}, out = {0, 0};
    code = demo_shout(ctx, s, &out);
    printf("shout(hi there) = %.*s (code %u)\n", (int)out.len, out.ptr, code);
    CHECK(code == 0 && out.len == 6 && memcmp(out.ptr, "HOOKED", 6) == 0, "shout");

    demo_result_u32_error_t res;
    memset(&res, 0, sizeof res);
    code = demo_open(ctx, s, &res);
    printf("open = %s %u (code %u), host reached: %d\n", res.is_err ? "err" : "ok",
           res.is_err ? (unsigned)res.val.err : res.val.ok, code, host_reached);
    CHECK(code == 0 && res.is_err && res.val.err == DEMO_ERROR_ACCESS && !host_reached, "open");

    /* statistics so far */
    uint32_t n = wacc_rt_component_sites(ctx);
    CHECK(n > 0, "sites");
    for (uint32_t i = 0; i < n; i++) {
        const WaccSite *site = wacc_rt_component_site(ctx, i);
        WaccSiteStats st;
        CHECK(wacc_rt_component_site_stats(ctx, i, &st) == 0, "stats %u", i);
        printf("site %u: %.*s -> %.*s %.*s: calls %llu returns %llu bytes %llu timed %d\n", i,
               (int)site->caller.len, site->caller.ptr, (int)site->callee.len, site->callee.ptr,
               (int)site->function.len, site->function.ptr, (unsigned long long)st.calls,
               (unsigned long long)st.returns, (unsigned long long)st.bytes, st.nanos > 0);
    }
    CHECK(wacc_rt_component_site_stats(ctx, n, &(WaccSiteStats){0}) == WACC_TRAP_INVALID_ARGUMENT,
          "no such site");

    code = demo_secret(ctx, &r);
    printf("secret: code %u, host reached: %d, last error: %s\n", code, host_reached,
           wacc_rt_component_last_error(ctx));
    CHECK(code == WACC_TRAP_DENIED && !host_reached, "secret denied");
    CHECK(strstr(wacc_rt_component_last_error(ctx), "policy.toml: rule 5") != NULL, "rule named");
    demo_ctx_free(ctx);

    ctx = fresh(store);
    code = demo_run(ctx, 13, &r);
    printf("run(13): code %u, last error: %s\n", code, wacc_rt_component_last_error(ctx));
    CHECK(code == WACC_TRAP_HOOK_REFUSED && store->trap_detail == 77, "refused");
    demo_ctx_free(ctx);
    wacc_rt_store_free(store);
    printf(failed ? "FAILED\n" : "ok\n");
    return failed;
}
