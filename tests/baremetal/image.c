/* A freestanding test image: examples/primes/primes.wat compiled by
 * `wacc compile --target aarch64-unknown-none` (or riscv64gc-unknown-none-elf)
 * with the no_std runtime-support, linked with no C library and no start
 * files. Everything the image needs from a "board" is the two functions in
 * the board layer below: write bytes to a console and stop. Here they are
 * Linux system calls, so the image also runs under qemu-user; on a real
 * board they would drive a UART and halt. */
#include "wacc.h" /* freestanding: needs only stddef.h, stdint.h, stdbool.h */

/* ---- board layer ---------------------------------------------------- */

static long board_syscall(long n, long a, long b, long c) {
#if defined(__aarch64__)
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
#elif defined(__riscv)
    register long a7 __asm__("a7") = n;
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1), "r"(a2) : "memory");
    return a0;
#else
#error "unsupported architecture"
#endif
}

/* Generic Linux system call numbers (aarch64 and riscv64 share them). */
static void board_write(const char *s, size_t n) { board_syscall(64, 1, (long)s, (long)n); }
static void __attribute__((noreturn)) board_exit(int code) {
    for (;;) board_syscall(94, code, 0, 0);
}

/* ---- test ----------------------------------------------------------- */

uint32_t primes_instantiate(WaccStore *store, const WaccImport *imports, size_t n, void **vmctx);
uint32_t primes_export_count_primes(void *vmctx, int32_t n, int32_t *result);
uint32_t primes_export_read(void *vmctx, int32_t addr, int32_t *result);

static void puts_(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    board_write(s, n);
}

static void put_int(long v) {
    char buf[24];
    int i = sizeof buf;
    int neg = v < 0;
    unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;
    do buf[--i] = (char)('0' + u % 10); while ((u /= 10) && i > 1);
    if (neg) buf[--i] = '-';
    board_write(buf + i, sizeof buf - i);
}

static int32_t reported = -1;

/* import "host" "report" */
void wacc_import_4_host_report(void *vmctx, int32_t n, int32_t count) {
    (void)vmctx;
    (void)n;
    reported = count;
}

int image_main(void) {
    WaccStore *store = wacc_rt_store_new();
    void *instance = NULL;
    uint32_t code = primes_instantiate(store, NULL, 0, &instance);
    if (code) {
        puts_("instantiation failed: ");
        puts_(wacc_rt_trap_message(code));
        puts_("\n");
        return 1;
    }
    int32_t count = 0;
    code = primes_export_count_primes(instance, 100000, &count);
    puts_("count_primes(100000) = ");
    put_int(count);
    puts_(", reported ");
    put_int(reported);
    puts_("\n");
    int32_t value = 0;
    uint32_t trap = primes_export_read(instance, 16 * 65536, &value);
    puts_("read(1 MiB): ");
    puts_(trap ? wacc_rt_trap_message(trap) : "no trap");
    puts_("\n");
    return code == 0 && count == 9592 && reported == 9592 && trap != 0 ? 0 : 1;
}

void __attribute__((noreturn, used)) image_entry(void) { board_exit(image_main()); }

/* Entry point: the stack pointer is set up by whoever loads the image. */
#if defined(__riscv)
__asm__(".globl _start\n_start:\n"
        ".option push\n.option norelax\nla gp, __global_pointer$\n.option pop\n"
        "andi sp, sp, -16\ncall image_entry\n");
#else
__asm__(".globl _start\n_start:\nmov x29, #0\nmov x30, #0\nbl image_entry\n");
#endif
