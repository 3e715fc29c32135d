/* Host for traps.wat: every trap must come back as its trap code, and the
 * instance must stay usable afterwards. Exits non-zero on any mismatch. */
#include <stdio.h>

#include "wacc.h"

uint32_t traps_instantiate(WaccStore *store, const WaccImport *imports, size_t n, void **vmctx);
uint32_t traps_export_deep(void *vmctx, int64_t n, int64_t *result);
uint32_t traps_export_load(void *vmctx, int32_t addr, int32_t *result);
uint32_t traps_export_store(void *vmctx, int32_t addr, int32_t value);
uint32_t traps_export_div(void *vmctx, int32_t a, int32_t b, int32_t *result);
uint32_t traps_export_unreachable(void *vmctx);
uint32_t traps_export_mismatch(void *vmctx);
uint32_t traps_export_fac(void *vmctx, int64_t n, int64_t *result);

static int failures = 0;

static void expect(const char *what, uint32_t got, uint32_t want) {
    printf("%-28s %s\n", what, got ? wacc_rt_trap_message(got) : "ok");
    if (got != want) {
        printf("  expected %s\n", want ? wacc_rt_trap_message(want) : "ok");
        failures++;
    }
}

int main(void) {
    WaccStore *store = wacc_rt_store_new();
    void *vm = NULL;
    uint32_t code = traps_instantiate(store, NULL, 0, &vm);
    if (code) {
        fprintf(stderr, "instantiation failed: %s\n", wacc_rt_trap_message(code));
        return 1;
    }
    int64_t r64 = 0;
    int32_t r32 = 0;
    for (int round = 0; round < 2; round++) {
        expect("deep recursion", traps_export_deep(vm, 0, &r64), WACC_TRAP_STACK_OVERFLOW);
        expect("store 65532", traps_export_store(vm, 65532, 42), 0);
        expect("load 65532", traps_export_load(vm, 65532, &r32), 0);
        if (r32 != 42) { printf("  loaded %d\n", r32); failures++; }
        expect("load 65533", traps_export_load(vm, 65533, &r32), WACC_TRAP_MEMORY_OUT_OF_BOUNDS);
        expect("load 0x7fffffff", traps_export_load(vm, 0x7fffffff, &r32), WACC_TRAP_MEMORY_OUT_OF_BOUNDS);
        expect("load -4", traps_export_load(vm, -4, &r32), WACC_TRAP_MEMORY_OUT_OF_BOUNDS);
        expect("store 1 MiB", traps_export_store(vm, 1 << 20, 1), WACC_TRAP_MEMORY_OUT_OF_BOUNDS);
        expect("div 7/0", traps_export_div(vm, 7, 0, &r32), WACC_TRAP_INTEGER_DIVISION_BY_ZERO);
        expect("div INT_MIN/-1", traps_export_div(vm, INT32_MIN, -1, &r32), WACC_TRAP_INTEGER_OVERFLOW);
        expect("div -7/2", traps_export_div(vm, -7, 2, &r32), 0);
        if (r32 != -3) { printf("  -7/2 = %d\n", r32); failures++; }
        expect("unreachable", traps_export_unreachable(vm), WACC_TRAP_UNREACHABLE);
        expect("call_indirect mismatch", traps_export_mismatch(vm), WACC_TRAP_BAD_SIGNATURE);
        expect("fac 20", traps_export_fac(vm, 20, &r64), 0);
        if (r64 != 2432902008176640000LL) { printf("  fac 20 = %lld\n", (long long)r64); failures++; }
    }
    printf("%s\n", failures ? "FAILED" : "all traps as expected");
    return failures != 0;
}
