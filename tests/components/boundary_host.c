/* C host for boundary.wat: borrows passed on by an export, handles the
 * host holds and drops, what freeing a context releases, user data, host
 * errors, NULL arguments and an unresolved import. Checks everything
 * itself (exit status 1 on a failed check) and prints one line per part;
 * tests/tests/components.rs runs it.
 *
 * `boundary loop N drop|keep` only runs N constructions, each dropped (or
 * not), and prints the peak RSS (for measurements with /usr/bin/time). */
#include <sys/resource.h>

#include "host.h"

/* This host drives the object's raw entries on purpose (it passes NULL and
 * bad pointers, which the typed functions of the generated header cannot
 * express): it tests the boundary those functions wrap. */
typedef struct {
    const char *ptr;
    uint64_t len;
} str_t;

/* The compiled component (prefix `boundary`) */
uint32_t boundary_instantiate(void *store, void **ctx);
uint32_t boundary_call(void *ctx, uint32_t index, const void *args, void *result);
#define EXPORT(name) uint32_t boundary_export_##name(void *ctx, const void *args, void *result)
EXPORT(make);
EXPORT(value);
EXPORT(len);
EXPORT(sum);
EXPORT(greet);
EXPORT(f);
EXPORT(g);
EXPORT(keep);
EXPORT(give);
EXPORT(checked);
EXPORT(missing);
EXPORT(boom);
EXPORT(answer);
EXPORT(noop);

/* Run-time resource indices (the plan's order: the host's `hr`, then A's
 * `gr`), checked below by dropping a handle under the wrong one. */
#define RES_HR 0u
#define RES_GR 1u
/* P_call's numbering: the root exports by name (answer, boom, checked, f,
 * g, give, greet, keep, len, ...) */
#define CALL_LEN 8u

typedef struct {
    const uint32_t *ptr;
    uint64_t len;
} u32_list_t;

/* ---- imports ---- */

static void *the_ctx;
static int dropped_calls, last_dropped = -1;
static int hr_drops, last_hr_drop = -1;
static int value_calls;
static int user_data_seen;
static int nested_ok;

/* dropped(rep): A's destructor of `gr` reports here. */
uint32_t wacc_import_0__dropped(void *ctx, const void *args, void *result) {
    (void)ctx;
    (void)result;
    dropped_calls++;
    last_dropped = (int)*(const uint32_t *)args;
    return 0;
}

/* check(v) = v * 10, an error for 0. */
uint32_t wacc_import_0__check(void *ctx, const void *args, void *result) {
    uint32_t v = *(const uint32_t *)args;
    if (wacc_rt_component_user_data(ctx) == &user_data_seen)
        user_data_seen++;
    if (v == 0) {
        static const char msg[] = "check: zero is not allowed";
        return wacc_rt_component_host_error(ctx, msg, sizeof msg - 1);
    }
    *(uint32_t *)result = v * 10;
    return 0;
}

/* [method]hr.value(self: borrow<hr>) = rep + 1 (the host's reps are its
 * own numbers). For rep 7 it calls back into the component first (greet,
 * whose result goes to the host arena) and checks its own arguments are
 * still intact. */
uint32_t wacc_import_17_demo_host_res_method_hr_value(void *ctx, const void *args, void *result)
    __asm__("wacc_import_17_demo$3ahost$2fres_$5bmethod$5dhr$2evalue");
uint32_t wacc_import_17_demo_host_res_method_hr_value(void *ctx, const void *args, void *result) {
    const uint32_t *self = (const uint32_t *)args;
    uint32_t rep = *self;
    value_calls++;
    if (rep == 7) {
        str_t s = {0, 0};
        uint32_t code = boundary_export_greet(ctx, NULL, &s);
        nested_ok = code == 0 && s.len == 5 && memcmp(s.ptr, "hello", 5) == 0 && *self == 7;
    }
    *(uint32_t *)result = rep + 1;
    return 0;
}

/* [resource-drop]hr(rep): a guest dropped an own hr. */
void wacc_import_17_demo_host_res_drop_hr(void *ctx, uint32_t rep)
    __asm__("wacc_import_17_demo$3ahost$2fres_$5bresource$2ddrop$5dhr");
void wacc_import_17_demo_host_res_drop_hr(void *ctx, uint32_t rep) {
    (void)ctx;
    hr_drops++;
    last_hr_drop = (int)rep;
}

/* demo:x/y@0.1.0#f is left unresolved. */

/* ---- helpers ---- */

static void *instantiate(void *store) {
    void *ctx = NULL;
    uint32_t code = boundary_instantiate(store, &ctx);
    CHECK(code == 0 && ctx != NULL, "instantiate: trap %u (%s)", code, wacc_rt_trap_message(code));
    if (code != 0 || ctx == NULL)
        exit(1);
    the_ctx = ctx;
    return ctx;
}

static uint32_t make(void *ctx, uint32_t v) {
    uint32_t h = 0;
    uint32_t code = boundary_export_make(ctx, &v, &h);
    CHECK(code == 0, "make(%u): trap %u", v, code);
    return h;
}

static uint32_t call_u32(uint32_t (*f)(void *, const void *, void *), void *ctx, uint32_t arg,
                         uint32_t *code) {
    uint32_t r = 0;
    *code = f(ctx, &arg, &r);
    return r;
}

static long peak_rss_kb(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

/* ---- parts ---- */

/* 1. An export passes its borrow on, drops it, returns. */
static void borrows(void *store) {
    void *ctx = instantiate(store);
    uint32_t code;
    /* f(b: borrow<hr>): host resource, host method */
    uint32_t v = call_u32(boundary_export_f, ctx, 41, &code);
    CHECK(code == 0 && v == 42, "f(41) = %u, trap %u (%s)", v, code,
          wacc_rt_component_last_error(ctx));
    /* again: nothing stayed lent */
    v = call_u32(boundary_export_f, ctx, 5, &code);
    CHECK(code == 0 && v == 6, "f(5) = %u, trap %u", v, code);
    /* the host calls back into the component from the method */
    v = call_u32(boundary_export_f, ctx, 7, &code);
    CHECK(code == 0 && v == 8 && nested_ok, "f(7) = %u, trap %u, nested %d", v, code, nested_ok);
    CHECK(value_calls == 3, "value calls %d", value_calls);
    /* g(b: borrow<gr>): guest resource, lent on to its owner */
    uint32_t h = make(ctx, 99);
    v = call_u32(boundary_export_g, ctx, h, &code);
    CHECK(code == 0 && v == 99, "g = %u, trap %u (%s)", v, code,
          wacc_rt_component_last_error(ctx));
    v = call_u32(boundary_export_g, ctx, h, &code);
    CHECK(code == 0 && v == 99, "g again = %u, trap %u", v, code);
    /* the lender is free again: the host can drop it */
    code = wacc_rt_component_resource_drop(ctx, RES_GR, h);
    CHECK(code == 0 && last_dropped == 99, "drop after g: %u, last dropped %d", code, last_dropped);
    wacc_rt_component_free(ctx);
    printf("borrows: f(41)=42 f(7)=8 (nested call ok) g=99\n");
}

/* 2. The host drops handles it holds; indices are reused. */
static void host_drops(void *store) {
    void *ctx = instantiate(store);
    int before = dropped_calls;
    uint32_t first = make(ctx, 1);
    CHECK(wacc_rt_component_resource_drop(ctx, RES_GR, first) == 0, "drop first");
    int same = 1;
    for (int i = 0; i < 200000; i++) {
        uint32_t h = make(ctx, 2);
        same &= h == first;
        uint32_t code = wacc_rt_component_resource_drop(ctx, RES_GR, h);
        if (code != 0) {
            CHECK(0, "drop %d: trap %u", i, code);
            break;
        }
    }
    CHECK(same, "handle index changed");
    CHECK(dropped_calls - before == 200001, "destructor calls %d", dropped_calls - before);

    /* errors, none of which poisons */
    uint32_t h = make(ctx, 3);
    uint32_t code = wacc_rt_component_resource_drop(ctx, RES_GR, h + 1);
    CHECK(code == WACC_TRAP_UNKNOWN_HANDLE, "unknown handle: %u", code);
    CHECK(h == 1 && strcmp(wacc_rt_component_last_error(ctx), "unknown handle index (handle 2)") == 0,
          "handle %u, last error '%s'", h, wacc_rt_component_last_error(ctx));
    code = wacc_rt_component_resource_drop(ctx, RES_HR, h);
    CHECK(code == WACC_TRAP_WRONG_RESOURCE_TYPE, "wrong resource: %u", code);
    code = wacc_rt_component_resource_drop(ctx, 7, h);
    CHECK(code == WACC_TRAP_INVALID_ARGUMENT, "no such resource: %u", code);
    code = wacc_rt_component_resource_drop(NULL, RES_GR, h);
    CHECK(code == WACC_TRAP_INVALID_ARGUMENT, "NULL ctx: %u", code);
    code = wacc_rt_component_resource_drop(ctx, RES_GR, h);
    CHECK(code == 0 && last_dropped == 3, "drop: %u", code);
    code = wacc_rt_component_resource_drop(ctx, RES_GR, h);
    CHECK(code == WACC_TRAP_UNKNOWN_HANDLE, "dropped twice: %u", code);

    /* a destructor that traps poisons the context */
    h = make(ctx, 13);
    code = wacc_rt_component_resource_drop(ctx, RES_GR, h);
    CHECK(code == WACC_TRAP_UNREACHABLE && last_dropped == 13, "trapping destructor: %u", code);
    CHECK(strcmp(wacc_rt_component_last_error(ctx), "unreachable") == 0, "last error '%s'",
          wacc_rt_component_last_error(ctx));
    uint32_t r = 0;
    code = boundary_export_answer(ctx, NULL, &r);
    CHECK(code == WACC_TRAP_CANNOT_ENTER, "call after the trap: %u", code);
    code = wacc_rt_component_resource_drop(ctx, RES_GR, first);
    CHECK(code == WACC_TRAP_CANNOT_ENTER, "drop after the trap: %u", code);
    wacc_rt_component_free(ctx);
    printf("host drops: 200000 constructions, handle %u every time\n", first);
}

/* 3. Freeing a context releases what it still owns. */
static void free_releases(void *store) {
    /* healthy: guest destructors of the host's own handles, and the host's
     * [resource-drop] for its resources the guests still hold */
    void *ctx = instantiate(store);
    make(ctx, 21);
    make(ctx, 22);
    uint32_t rep = 500, code;
    code = boundary_export_keep(ctx, &rep, NULL);
    CHECK(code == 0, "keep: %u", code);
    rep = 600;
    code = boundary_export_give(ctx, &rep, NULL);
    CHECK(code == 0 && hr_drops == 1 && last_hr_drop == 600, "give: %u, hr drops %d", code,
          hr_drops);
    int d0 = dropped_calls, h0 = hr_drops;
    wacc_rt_component_free(ctx);
    CHECK(dropped_calls - d0 == 2, "free ran %d destructors, want 2", dropped_calls - d0);
    CHECK(hr_drops - h0 == 1 && last_hr_drop == 500, "free dropped %d host resources (last %d)",
          hr_drops - h0, last_hr_drop);

    /* poisoned: no guest code, but the host still hears of its resources */
    ctx = instantiate(store);
    make(ctx, 31);
    rep = 700;
    CHECK(boundary_export_keep(ctx, &rep, NULL) == 0, "keep");
    code = boundary_export_boom(ctx, NULL, NULL);
    CHECK(code == WACC_TRAP_UNREACHABLE, "boom: %u", code);
    d0 = dropped_calls;
    h0 = hr_drops;
    wacc_rt_component_free(ctx);
    CHECK(dropped_calls == d0, "a poisoned context ran %d destructors", dropped_calls - d0);
    CHECK(hr_drops - h0 == 1 && last_hr_drop == 700, "poisoned free dropped %d host resources",
          hr_drops - h0);
    wacc_rt_component_free(NULL);
    printf("free: 2 destructors + 1 host drop; poisoned: 0 + 1\n");
}

/* 4./5. User data, host errors, the last error. */
static void errors(void *store) {
    void *ctx = instantiate(store);
    CHECK(wacc_rt_component_user_data(ctx) == NULL, "user data before set");
    CHECK(strcmp(wacc_rt_component_last_error(ctx), "") == 0, "last error before any");
    wacc_rt_component_set_user_data(ctx, &user_data_seen);
    CHECK(wacc_rt_component_user_data(ctx) == &user_data_seen, "user data");
    wacc_rt_component_set_user_data(NULL, &user_data_seen);
    CHECK(wacc_rt_component_user_data(NULL) == NULL, "user data of NULL");
    CHECK(strcmp(wacc_rt_component_last_error(NULL), "") == 0, "last error of NULL");
    CHECK(wacc_rt_component_host_error(NULL, "x", 1) == WACC_TRAP_INVALID_ARGUMENT,
          "host error of NULL");
    uint32_t code;
    uint32_t v = call_u32(boundary_export_checked, ctx, 4, &code);
    CHECK(code == 0 && v == 40 && user_data_seen == 1, "checked(4) = %u, trap %u, seen %d", v,
          code, user_data_seen);
    CHECK(strcmp(wacc_rt_component_last_error(ctx), "") == 0, "last error after success");
    call_u32(boundary_export_checked, ctx, 0, &code);
    CHECK(code == WACC_TRAP_HOST_ERROR, "checked(0): trap %u", code);
    const char *e = wacc_rt_component_last_error(ctx);
    CHECK(strcmp(e, "check: zero is not allowed") == 0, "last error '%s'", e);
    CHECK(strcmp(wacc_rt_trap_message(WACC_TRAP_HOST_ERROR), "host error") == 0, "message");
    /* poisoned from now on; the last error stays */
    call_u32(boundary_export_checked, ctx, 4, &code);
    CHECK(code == WACC_TRAP_CANNOT_ENTER, "after the host error: %u", code);
    CHECK(strcmp(wacc_rt_component_last_error(ctx), e) == 0, "last error kept");
    printf("host error: %s\n", e);
    wacc_rt_component_free(ctx);

    /* 7. an unresolved import */
    ctx = instantiate(store);
    code = boundary_export_missing(ctx, NULL, NULL);
    e = wacc_rt_component_last_error(ctx);
    CHECK(code == WACC_TRAP_UNRESOLVED_IMPORT, "missing: trap %u", code);
    CHECK(strcmp(e, "unresolved import demo:x/y@0.1.0#f") == 0, "last error '%s'", e);
    printf("missing: %s\n", e);
    wacc_rt_component_free(ctx);

    /* a handle trap names the handle */
    ctx = instantiate(store);
    v = call_u32(boundary_export_g, ctx, 5, &code);
    e = wacc_rt_component_last_error(ctx);
    CHECK(code == WACC_TRAP_UNKNOWN_HANDLE && strcmp(e, "unknown handle index (handle 5)") == 0,
          "g(5): trap %u, '%s'", code, e);
    printf("g(5): %s\n", e);
    wacc_rt_component_free(ctx);
}

/* 6. NULL arguments. */
static void null_arguments(void *store) {
    void *ctx = instantiate(store);
    uint32_t r = 0, code;
    uint32_t v = 1;
    /* NULL context */
    CHECK(boundary_export_answer(NULL, NULL, &r) == WACC_TRAP_INVALID_ARGUMENT, "NULL ctx");
    CHECK(boundary_call(NULL, 0, &v, &r) == WACC_TRAP_INVALID_ARGUMENT, "P_call NULL ctx");
    /* NULL args where there are parameters, NULL result where there is one */
    CHECK(boundary_export_checked(ctx, NULL, &r) == WACC_TRAP_INVALID_ARGUMENT, "NULL args");
    CHECK(strcmp(wacc_rt_component_last_error(ctx), "invalid argument from the host: `args` is NULL") == 0,
          "last error '%s'", wacc_rt_component_last_error(ctx));
    CHECK(boundary_export_checked(ctx, &v, NULL) == WACC_TRAP_INVALID_ARGUMENT, "NULL result");
    CHECK(boundary_export_answer(ctx, NULL, NULL) == WACC_TRAP_INVALID_ARGUMENT, "NULL result");
    str_t s = {NULL, 0};
    CHECK(boundary_call(ctx, CALL_LEN, NULL, &r) == WACC_TRAP_INVALID_ARGUMENT, "P_call NULL args");
    CHECK(boundary_call(ctx, CALL_LEN, &s, NULL) == WACC_TRAP_INVALID_ARGUMENT, "P_call NULL result");
    /* none of these poisoned; where nothing is read or written NULL is fine */
    CHECK(boundary_export_noop(ctx, NULL, NULL) == 0, "noop");
    code = boundary_export_answer(ctx, NULL, &r);
    CHECK(code == 0 && r == 42, "answer: %u", code);
    /* a NULL string or list with no elements is fine */
    code = boundary_call(ctx, CALL_LEN, &s, &r);
    CHECK(code == 0 && r == 0, "len(NULL, 0) via P_call: %u", code);
    u32_list_t l = {NULL, 0};
    code = boundary_export_sum(ctx, &l, &r);
    CHECK(code == 0 && r == 0, "sum(NULL, 0): %u", code);
    static const uint32_t xs[] = {1, 2, 3};
    l.ptr = xs;
    l.len = 3;
    code = boundary_export_sum(ctx, &l, &r);
    CHECK(code == 0 && r == 6, "sum(1,2,3) = %u: %u", r, code);
    /* with elements it is an error (lifting traps: the context is poisoned) */
    l.ptr = NULL;
    code = boundary_export_sum(ctx, &l, &r);
    CHECK(code == WACC_TRAP_INVALID_ARGUMENT, "sum(NULL, 3): %u", code);
    wacc_rt_component_free(ctx);
    ctx = instantiate(store);
    s.len = 4;
    code = boundary_export_len(ctx, &s, &r);
    CHECK(code == WACC_TRAP_INVALID_ARGUMENT, "len(NULL, 4): %u", code);
    wacc_rt_component_free(ctx);
    printf("NULL arguments: refused\n");
}

static int loop(long n, int drop) {
    void *store = wacc_rt_store_new();
    void *ctx = instantiate(store);
    long before = peak_rss_kb();
    for (long i = 0; i < n; i++) {
        uint32_t h = make(ctx, 2);
        if (drop && wacc_rt_component_resource_drop(ctx, RES_GR, h) != 0)
            return 1;
    }
    printf("%ld constructions (%s): peak RSS %ld KiB (%ld KiB before)\n", n,
           drop ? "dropped" : "kept", peak_rss_kb(), before);
    wacc_rt_component_free(ctx);
    wacc_rt_store_free(store);
    return failures != 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "loop") == 0)
        return loop(atol(argv[2]), strcmp(argv[3], "drop") == 0);
    void *store = wacc_rt_store_new();
    CHECK(store != NULL, "wacc_rt_store_new failed");
    if (!store)
        return 1;
    borrows(store);
    host_drops(store);
    free_releases(store);
    errors(store);
    null_arguments(store);
    wacc_rt_store_free(store);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
