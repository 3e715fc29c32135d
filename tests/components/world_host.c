/* C host of tests/components/world (a Rust wasm32-wasip2 library with the
 * custom world wit/world.wit), through the header `wacc compile --header`
 * generates: no layout or prototype is written by hand here. The imports
 * of `demo:shapes/host` are the only glue; everything else calls the
 * component and checks what comes back. Exits nonzero on a failed check. */
#define DEMO_IMPLEMENTATION
#include "demo.h"
#include "host.h"

/* ---- the imports (the host's side of the world) ---- */
static uint64_t next_id = 100;
static int dropped_tokens = 0;

uint32_t demo_import_host_log(demo_ctx *ctx, WaccString msg) {
    (void)ctx;
    printf("log: %.*s\n", (int)msg.len, msg.ptr);
    return 0;
}

uint32_t demo_import_host_next_id(demo_ctx *ctx, uint64_t *ret) {
    (void)ctx;
    *ret = next_id++;
    return 0;
}

/* A token's rep is its value. */
uint32_t demo_import_host_token_value(demo_ctx *ctx, demo_token_borrow_t self, uint32_t *ret) {
    (void)ctx;
    *ret = self.handle;
    return 0;
}

void demo_import_host_token_drop(demo_ctx *ctx, uint32_t rep) {
    (void)ctx;
    (void)rep;
    dropped_tokens++;
}
/* ---- end of the imports ---- */

static WaccString S(const char *s) {
    WaccString r = {s, strlen(s)};
    return r;
}

static int eq(WaccString s, const char *want) {
    return s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

int main(void) {
    WaccStore *store = wacc_rt_store_new();
    demo_ctx *ctx = NULL;
    uint32_t code = demo_ctx_new(store, &ctx);
    CHECK(code == 0, "instantiate: %u (%s)", code, wacc_rt_trap_message(code));
    if (code)
        return 1;

    WaccString s;
    CHECK(demo_greet(ctx, S("Ada"), &s) == 0 && eq(s, "hello, Ada #100"), "greet");
    printf("greet = %.*s\n", (int)s.len, s.ptr);

    demo_point_t p = {3, -4}, q;
    CHECK(demo_scale(ctx, p, 2, &q) == 0 && q.x == 6 && q.y == -8, "scale");

    uint32_t a = 0;
    demo_shape_t circle = {DEMO_SHAPE_CIRCLE, {.circle = 2}};
    demo_shape_t rect = {DEMO_SHAPE_RECT, {.rect = {3, 5}}};
    demo_shape_t empty = {DEMO_SHAPE_EMPTY, {.circle = 0}};
    CHECK(demo_area(ctx, circle, &a) == 0 && a == 12, "area(circle) = %u", a);
    CHECK(demo_area(ctx, rect, &a) == 0 && a == 15, "area(rect) = %u", a);
    CHECK(demo_area(ctx, empty, &a) == 0 && a == 0, "area(empty) = %u", a);

    CHECK(demo_name_of(ctx, DEMO_COLOR_GREEN, &s) == 0 && eq(s, "green"), "name-of");

    demo_perms_t perms = 0;
    CHECK(demo_toggle(ctx, DEMO_PERMS_READ, &perms) == 0 &&
              perms == (DEMO_PERMS_WRITE | DEMO_PERMS_EXEC),
          "toggle = %u", perms);

    WaccString words[] = {S("a"), S("bb"), S("ccc")};
    demo_list_string_t list = {words, 3};
    demo_option_u32_t found;
    CHECK(demo_find(ctx, list, S("ccc"), &found) == 0 && found.is_some && found.val == 2, "find");
    CHECK(demo_find(ctx, list, S("d"), &found) == 0 && !found.is_some, "find none");

    demo_result_u32_string_t parsed;
    CHECK(demo_parse(ctx, S("42"), &parsed) == 0 && !parsed.is_err && parsed.val.ok == 42, "parse ok");
    CHECK(demo_parse(ctx, S("x"), &parsed) == 0 && parsed.is_err &&
              eq(parsed.val.err, "x: invalid digit found in string"),
          "parse err");
    printf("parse(x) = err(%.*s)\n", (int)parsed.val.err.len, parsed.val.err.ptr);

    demo_point_t ps[] = {{1, 2}, {3, 4}, {-10, 0}};
    demo_list_point_t pl = {ps, 3};
    int64_t total = 0;
    CHECK(demo_total(ctx, pl, &total) == 0 && total == 0, "total = %lld", (long long)total);

    /* The guest's resource: constructed, used through borrows, summed as a
     * list of borrows, dropped by the host (its destructor runs). */
    demo_counter_own_t c1, c2;
    CHECK(demo_counters_counter_new(ctx, 5, &c1) == 0, "counter 1");
    CHECK(demo_counters_counter_new(ctx, 7, &c2) == 0, "counter 2");
    demo_counter_borrow_t b1 = {c1.handle}, b2 = {c2.handle};
    uint32_t v = 0;
    CHECK(demo_counters_counter_bump(ctx, b1, 10, &v) == 0 && v == 15, "bump = %u", v);
    CHECK(demo_counters_counter_get(ctx, b2, &v) == 0 && v == 7, "get = %u", v);
    demo_counter_borrow_t both[] = {b1, b2};
    demo_list_counter_borrow_t bl = {both, 2};
    CHECK(demo_counters_sum_all(ctx, bl, &v) == 0 && v == 22, "sum-all = %u", v);
    CHECK(demo_counter_drop(ctx, c1) == 0, "drop counter 1");
    CHECK(demo_counter_drop(ctx, c2) == 0, "drop counter 2");
    CHECK(demo_counters_counter_get(ctx, b1, &v) == WACC_TRAP_UNKNOWN_HANDLE, "dropped handle");
    demo_ctx_free(ctx);

    /* The host's resource, borrowed by an export that calls its method
     * and drops the borrow. */
    CHECK(demo_ctx_new(store, &ctx) == 0, "instantiate again");
    demo_token_borrow_t t = {41};
    CHECK(demo_read_token(ctx, t, &v) == 0 && v == 42, "read-token = %u", v);
    demo_ctx_free(ctx);

    wacc_rt_store_free(store);
    if (failures)
        return 1;
    printf("ok\n");
    return 0;
}
