/*
 * Trap landing pad for wacc runtime-support.
 *
 * `wacc_setjmp_call` runs `body(data)` with a landing pad installed in
 * `*slot` (the store's `jmp_buf` field) and restores the previous pad on the
 * way out, so entries nest. `wacc_longjmp` unwinds to the innermost pad; it
 * is called by `wacc_rt_trap` and by the fault handler.
 *
 * The GCC/Clang builtins save only frame pointer, stack pointer and resume
 * address in a 5-word buffer and need no libc: they work on every target.
 * They do not restore the signal mask, which is why the fault handler is
 * installed with SA_NODEFER.
 */

__attribute__((noinline)) int wacc_setjmp_call(void **slot, void (*body)(void *), void *data)
{
    void *buf[5];
    /* volatile: must survive the longjmp back into this frame */
    void **volatile saved_slot = slot;
    void *volatile prev = *slot;

    if (__builtin_setjmp(buf) == 0) {
        *saved_slot = buf;
        body(data);
        *saved_slot = prev;
        return 0;
    }
    *saved_slot = prev;
    return 1;
}

__attribute__((noreturn, noinline)) void wacc_longjmp(void **buf)
{
    __builtin_longjmp(buf, 1);
}
