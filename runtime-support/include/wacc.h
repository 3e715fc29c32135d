/* wacc.h: the C API of wacc's runtime-support (libwacc_runtime_support.a).
 *
 * Hosts include it to create stores, instantiate compiled modules and
 * components, supply imports and read trap codes. The entries generated per
 * object (`P_instantiate`, `P_export_NAME`, `P_call`, `P_desc`, ...) depend
 * on the module and are declared by the host; see README.md, "Symbol
 * interface of an object".
 *
 * The Rust definitions are in runtime-support/abi (crate wacc-abi) and the
 * `#[no_mangle]` functions of runtime-support/src. C names are the Rust
 * ones with `Wacc` for `VM` (`VMStore` is `WaccStore`, `ValRaw` is
 * `WaccValRaw`; fields named `private` are `runtime_private`), trap codes
 * are `WACC_TRAP_` plus the `TrapCode` variant in upper case. The tests
 * check this file against them (tests/tests/header.rs).
 *
 * Installed next to the archive (target/<profile>/ or
 * target/<triple>/<profile>/); `wacc compile --link file.c` compiles C
 * sources with that directory on the include path.
 *
 * Conventions: functions returning `uint32_t` return 0 or a trap code;
 * functions returning a pointer return NULL on failure; every `_free`
 * accepts NULL. All supported targets are 64-bit little-endian.
 * `landing_pad` of WaccStore is the Rust field `jmp_buf`. */
#ifndef WACC_H
#define WACC_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

#if defined(__cplusplus)
#define WACC_NORETURN [[noreturn]]
#define WACC_ALIGN16 alignas(16)
#elif defined(__GNUC__)
#define WACC_NORETURN __attribute__((noreturn))
#define WACC_ALIGN16 __attribute__((aligned(16)))
#else
#define WACC_NORETURN _Noreturn
#define WACC_ALIGN16 _Alignas(16)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- constants ------------------------------------------------------ */

/* Version of the object/runtime contract; objects record theirs and
 * instantiation refuses another (WACC_TRAP_INSTANTIATION_FAILED). */
#define WACC_ABI_VERSION 5
/* Bytes of a wasm page. */
#define WACC_PAGE_SIZE 65536
/* Bytes of a global cell (value in the low bytes, little-endian). */
#define WACC_GLOBAL_SIZE 16
/* "No maximum" for wacc_rt_memory_new and wacc_rt_table_new. */
#define WACC_MEMORY_NO_MAX UINT64_MAX
#define WACC_TABLE_NO_MAX UINT32_MAX
/* Element kinds of a table. */
#define WACC_ELEM_FUNCREF 0
#define WACC_ELEM_EXTERNREF 1

/* Trap codes: what entries and runtime calls return (0 = no trap).
 * wacc_rt_trap_message gives the message of each. */
enum WaccTrapCode {
    WACC_TRAP_NONE = 0,
    WACC_TRAP_UNREACHABLE = 1,
    WACC_TRAP_MEMORY_OUT_OF_BOUNDS = 2,
    WACC_TRAP_TABLE_OUT_OF_BOUNDS = 3,
    WACC_TRAP_INDIRECT_CALL_TO_NULL = 4,
    WACC_TRAP_BAD_SIGNATURE = 5,
    WACC_TRAP_INTEGER_OVERFLOW = 6,
    WACC_TRAP_INTEGER_DIVISION_BY_ZERO = 7,
    WACC_TRAP_BAD_CONVERSION_TO_INTEGER = 8,
    WACC_TRAP_UNINITIALIZED_ELEMENT = 9,
    WACC_TRAP_STACK_OVERFLOW = 10,
    /* Instantiation failed for a reason other than a trap (allocation,
     * ABI version, an import of the wrong type). */
    WACC_TRAP_INSTANTIATION_FAILED = 11,
    /* A linear memory or table could not be allocated. */
    WACC_TRAP_OUT_OF_MEMORY = 12,
    /* An unresolved import was called or instantiated. */
    WACC_TRAP_UNRESOLVED_IMPORT = 13,
    /* call_indirect index past the end of the table. */
    WACC_TRAP_UNDEFINED_ELEMENT = 14,
    /* Not a trap: the program asked to exit (WASI proc_exit). */
    WACC_TRAP_EXIT = 15,
    /* Canonical ABI traps (components); WaccStore.trap_detail holds the
     * handle index of the handle traps. */
    WACC_TRAP_UNALIGNED_POINTER = 16,
    WACC_TRAP_INVALID_DISCRIMINANT = 17,
    WACC_TRAP_INVALID_CHAR = 18,
    WACC_TRAP_STRING_OUT_OF_BOUNDS = 19,
    WACC_TRAP_LIST_OUT_OF_BOUNDS = 20,
    WACC_TRAP_INVALID_UTF8 = 21,
    WACC_TRAP_INVALID_UTF16 = 22,
    WACC_TRAP_REALLOC_OUT_OF_BOUNDS = 23,
    WACC_TRAP_REALLOC_UNALIGNED = 24,
    WACC_TRAP_CANNOT_LEAVE = 25,
    WACC_TRAP_CANNOT_ENTER = 26,
    WACC_TRAP_UNKNOWN_HANDLE = 27,
    WACC_TRAP_WRONG_RESOURCE_TYPE = 28,
    WACC_TRAP_OWN_BORROWED = 29,
    WACC_TRAP_BORROWS_REMAIN = 30,
    /* A built-in of the async ABI was called. */
    WACC_TRAP_ASYNC_UNSUPPORTED = 31,
    /* A list or string whose byte size does not fit in 32 bits. */
    WACC_TRAP_LENGTH_OVERFLOW = 32,
    /* The CPU lacks features the code was compiled for (the missing ones
     * are bits of WaccStore.trap_detail). */
    WACC_TRAP_UNSUPPORTED_CPU = 33,
    /* A wasm exception reached the entry (or a component boundary). */
    WACC_TRAP_UNCAUGHT_EXCEPTION = 34,
    WACC_TRAP_NULL_EXCEPTION_REF = 35,
    WACC_TRAP_NULL_REFERENCE = 36,
    WACC_TRAP_NULL_FUNCTION_REFERENCE = 37,
    WACC_TRAP_UNALIGNED_ATOMIC = 38,
    /* memory.atomic.wait on a memory that is not shared. */
    WACC_TRAP_EXPECTED_SHARED_MEMORY = 39,
    /* memory.atomic.wait without a timeout that no thread could notify. */
    WACC_TRAP_WAIT_FOREVER = 40,
    /* An import implementation failed (wacc_rt_component_host_error). */
    WACC_TRAP_HOST_ERROR = 41,
    /* The host passed a NULL context, argument or result pointer, or a
     * NULL string or list with a nonzero length. */
    WACC_TRAP_INVALID_ARGUMENT = 42,
    /* The policy's firewall denied the call (the last error names the rule). */
    WACC_TRAP_DENIED = 43,
    /* A custom hook refused the call (its code is the trap detail). */
    WACC_TRAP_HOOK_REFUSED = 44
};

/* ---- types ---------------------------------------------------------- */

/* Opaque: descriptors emitted into objects (`P_desc`, `P_cdesc`) and
 * exception objects. */
typedef struct WaccModuleDesc WaccModuleDesc;
typedef struct WaccComponentDesc WaccComponentDesc;
typedef struct WaccException WaccException;

/* A store: shared by all instances that call each other (one per thread
 * of use). Hosts may set max_wasm_stack before the first call and read
 * the trap fields after one; the rest belongs to the runtime. */
typedef struct WaccStore {
    uintptr_t stack_limit;    /* lowest stack address wasm may use */
    void *landing_pad;        /* innermost entry's landing pad (Rust: jmp_buf) */
    uint32_t trap_code;       /* code of the last trap */
    uint32_t trap_detail;     /* its detail (handle index, missing CPU features) */
    uintptr_t trap_pc;        /* faulting pc of a trap from a signal, else 0 */
    size_t max_wasm_stack;    /* stack bytes wasm may use below the outermost entry */
    void *runtime_private;    /* Rust: private */
    WaccException *exceptions; /* live exceptions, freed with the store */
} WaccStore;

/* A linear memory. `base` does not move on hosts with virtual memory;
 * `length` changes with memory.grow. */
typedef struct WaccMemory {
    uint8_t *base;
    uint64_t length;    /* current length in bytes */
    uint64_t max_pages; /* maximum in pages (capped at 65536) */
    uint64_t reserved;  /* bytes of address space reserved at base */
    void *runtime_private;
} WaccMemory;

/* A table: pointer-sized elements (a funcref is a `const WaccFuncRef *`,
 * an externref an opaque host word; 0 is null). */
typedef struct WaccTable {
    uintptr_t *base;
    uint32_t length;    /* current number of elements */
    uint32_t max;       /* maximum (WACC_TABLE_NO_MAX if none) */
    uint32_t capacity;  /* allocated elements */
    uint32_t elem_kind; /* WACC_ELEM_FUNCREF or WACC_ELEM_EXTERNREF */
    void *runtime_private;
} WaccTable;

/* A function reference: what funcref table elements point to and what a
 * function import is given. */
typedef struct WaccFuncRef {
    const void *func;       /* native code: fn(vmctx, params...) -> results */
    uint64_t type_id;       /* canonical signature id */
    void *vmctx;            /* first argument of func */
    const void *array_call; /* WaccArrayCall trampoline, or NULL */
} WaccFuncRef;

/* One value of an array call: i32/f32 in the low 4 bytes, i64/f64/refs in
 * the low 8, v128 in all 16, little-endian. */
typedef struct WaccValRaw {
    WACC_ALIGN16 uint8_t bytes[16];
} WaccValRaw;

/* A value supplied for an import at instantiation: the field of the
 * import's kind; NULL means "use the link-time symbol". */
typedef union WaccImport {
    const WaccFuncRef *func;
    WaccTable *table;
    WaccMemory *memory;
    uint8_t *global;  /* a WACC_GLOBAL_SIZE-byte cell */
    const void *tag;  /* the tag's identity (any unique address) */
} WaccImport;

/* Array-call trampoline: arguments in values, results written back. */
typedef void (*WaccArrayCall)(void *vmctx, WaccValRaw *values);

/* ---- stores and instances ------------------------------------------- */

/* A new store with the default wasm stack budget (1 MiB), or NULL. Free
 * with wacc_rt_store_free after its instances and memories. */
WaccStore *wacc_rt_store_new(void);

/* Frees a store, the instances whose initialisation trapped and every
 * exception still alive. */
void wacc_rt_store_free(WaccStore *store);

/* Instantiates `desc` (a module's `P_desc`) in `store`. `imports[i]`
 * answers the module's i-th import; NULL entries, entries past `nimports`
 * and a NULL `imports` use the link-time symbols. Returns 0 and the
 * instance (its vmctx) in *out_vmctx, or a trap code and NULL: a missing
 * import is WACC_TRAP_UNRESOLVED_IMPORT. If the module's initialisation
 * traps, what it made stays alive until the store is freed. The caller
 * owns the instance: free it with wacc_rt_instance_free. */
uint32_t wacc_rt_instantiate(WaccStore *store, const WaccModuleDesc *desc,
                             const WaccImport *imports, size_t nimports,
                             void **out_vmctx);

/* Frees an instance and the memories and tables it defines. Free it before
 * its store and before what it imports. */
void wacc_rt_instance_free(void *vmctx);

/* Calls array_call(vmctx, values) under a trap handler. Returns 0 (results
 * in values) or the trap code; a NULL array_call is
 * WACC_TRAP_UNRESOLVED_IMPORT. */
uint32_t wacc_rt_invoke(void *vmctx, WaccArrayCall array_call, WaccValRaw *values);

/* The canonical signature id of a function type (valtype codes), as in
 * WaccFuncRef.type_id. */
uint64_t wacc_rt_intern_sig(const uint8_t *params, size_t np, const uint8_t *results,
                            size_t nr);

/* The message of a trap code: static, NUL-terminated, never NULL. */
const char *wacc_rt_trap_message(uint32_t code);

/* Traps with `code` from a host function called by wasm: unwinds to the
 * entry, which returns `code`. `vmctx` is the caller's (the first argument
 * of every host function). */
WACC_NORETURN void wacc_rt_trap(void *vmctx, uint32_t code);

/* ---- objects for imports -------------------------------------------- */

/* A memory of min_pages pages, growable to max_pages (WACC_MEMORY_NO_MAX:
 * none), or NULL. With `guard` it reserves the guard-mode address space and
 * is registered with `store` so faults in it trap (modules compiled with
 * `--bounds-checks guard` need it); `store` may be NULL otherwise. The caller
 * owns it: free with wacc_rt_memory_free after the instances using it. */
WaccMemory *wacc_rt_memory_new(WaccStore *store, uint64_t min_pages, uint64_t max_pages,
                               bool guard);
void wacc_rt_memory_free(WaccMemory *memory);

/* A table of `min` null elements, growable to `max` (WACC_TABLE_NO_MAX:
 * none), of kind WACC_ELEM_FUNCREF or WACC_ELEM_EXTERNREF, or NULL. Owned
 * by the caller. */
WaccTable *wacc_rt_table_new(uint32_t min, uint32_t max, uint32_t elem_kind);
void wacc_rt_table_free(WaccTable *table);

/* A zeroed, 16-byte aligned global cell, or NULL. Owned by the caller. */
uint8_t *wacc_rt_global_new(void);
void wacc_rt_global_free(uint8_t *cell);

/* ---- components ----------------------------------------------------- */

/* Instantiates a component plan (`P_cdesc`) in `store` into one context.
 * Returns 0 and the context in *out_ctx, or a trap code and NULL. A
 * component's `P_instantiate(store, &ctx)` calls it. The caller owns the
 * context: free it with wacc_rt_component_free before the store.
 *
 * Calls on a context (`P_export_NAME`, `P_call`) return 0 or a trap code.
 * A NULL ctx, a NULL args or result pointer where the function has
 * parameters or a result, or a NULL string or list with a nonzero length
 * is WACC_TRAP_INVALID_ARGUMENT. After a trap the context is poisoned: no
 * guest code runs on it again, every later call returns
 * WACC_TRAP_CANNOT_ENTER; free it. (The pointer checks and the refusals of
 * wacc_rt_component_resource_drop before it runs anything do not poison.)
 * Strings and lists of a result stay valid until the next call on the
 * context (calls made from inside an import implementation keep them
 * until the next outer one). Import implementations
 * (`wacc_import_...(ctx, args, result)`) get the context as `ctx`. */
uint32_t wacc_rt_component_instantiate(WaccStore *store, const WaccComponentDesc *desc,
                                       void **out_ctx);

/* Frees a context with its core instances, resource tables and arena.
 * First it releases what the context still owns: the destructors of the
 * own handles the host holds run (not on a poisoned context: no guest code
 * runs there; a trap in one stops this part), then the host's
 * `[resource-drop]` import is called for each own handle of a host
 * resource still held by the guests (also on a poisoned context). NULL is
 * a no-op. */
void wacc_rt_component_free(void *ctx);

/* Drops handle `handle` held by the host (an own handle an export returned,
 * or a borrow an import implementation received) of resource `resource`,
 * the run-time resource index (the descriptor's resources array). For an
 * own handle the resource's destructor runs as an export call does (a trap
 * returns its code and poisons the context). Returns 0 or a trap code:
 * WACC_TRAP_INVALID_ARGUMENT (NULL ctx, no such resource),
 * WACC_TRAP_CANNOT_ENTER (poisoned context, or the destructor's component
 * is running), WACC_TRAP_UNKNOWN_HANDLE, WACC_TRAP_WRONG_RESOURCE_TYPE,
 * WACC_TRAP_OWN_BORROWED (the handle in WaccStore.trap_detail). Freed
 * handle indices are reused. */
uint32_t wacc_rt_component_resource_drop(void *ctx, uint32_t resource, uint32_t handle);

/* For import implementations: records a copy of msg[0..len) and returns
 * WACC_TRAP_HOST_ERROR, for the implementation to return. The export call
 * then fails with that code, and wacc_rt_component_last_error gives msg.
 * NULL ctx: WACC_TRAP_INVALID_ARGUMENT. */
uint32_t wacc_rt_component_host_error(void *ctx, const char *msg, size_t len);

/* NUL-terminated text describing the last failed call on ctx: the message
 * of wacc_rt_component_host_error, `unresolved import NAME` for an import
 * whose symbol is not linked in, or the trap's message (with the handle
 * index for handle traps); "" if none failed (or ctx is NULL). A call
 * refused on a poisoned context leaves it describing the trap that
 * poisoned it. Valid until the next failing call on ctx. */
const char *wacc_rt_component_last_error(void *ctx);

/* A pointer the host keeps with the context (e.g. for its import
 * implementations, which receive the context); NULL until set. Both
 * accept a NULL ctx (set does nothing, get returns NULL). */
void wacc_rt_component_set_user_data(void *ctx, void *data);
void *wacc_rt_component_user_data(void *ctx);

/* `size` bytes aligned to `align` in the context's host arena (for values
 * in the native layout), valid until the next wacc_rt_host_reset of `ctx`,
 * which every outermost export call does on entry. Never NULL (traps when
 * out of memory). */
uint8_t *wacc_rt_host_alloc(void *ctx, uint32_t size, uint32_t align);
void wacc_rt_host_reset(void *ctx);

/* ---- interception (components built with --policy) ------------------ */

/* A name in static data: UTF-8, not NUL-terminated. */
typedef struct WaccName {
    const char *ptr;
    size_t len;
} WaccName;

/* One intercepted crossing (a site). */
typedef struct WaccSite {
    uint32_t index;
    uint32_t flags;     /* WACC_SITE_* */
    uint32_t direction; /* WACC_DIRECTION_* */
    uint32_t _pad;
    WaccName caller;    /* "host", or "cN" for component instance N */
    WaccName callee;
    WaccName function;  /* "interface#function", or "function" */
    WaccName params;    /* type codes (wacc_abi::typecode) */
    WaccName result;
    WaccName rule;      /* the firewall rule denying it, or empty */
} WaccSite;

enum {
    WACC_SITE_LOG = 1,
    WACC_SITE_HOOK = 2,
    WACC_SITE_STATS = 4,
    WACC_SITE_TIME = 8,
    WACC_SITE_DENY = 16
};
enum {
    WACC_DIRECTION_EXPORT = 0,
    WACC_DIRECTION_IMPORT = 1,
    WACC_DIRECTION_INTERNAL = 2,
    WACC_DIRECTION_START = 3,
    WACC_DIRECTION_RESOURCE = 4 /* resource.new / rep / drop */
};
enum { WACC_PHASE_BEFORE = 0, WACC_PHASE_AFTER = 1 };

/* Statistics of a site. Calls that trapped: calls - returns. bytes: string
 * and list bytes moved plus the flat size of arguments and results. nanos:
 * time in the callee, for sites with stats = "time". */
typedef struct WaccSiteStats {
    uint64_t calls;
    uint64_t returns;
    uint64_t bytes;
    uint64_t nanos;
} WaccSiteStats;

/* A custom hook (the policy's [hook] symbol) has this type. It runs before
 * (WACC_PHASE_BEFORE) and after the callee with the call's argument record
 * (`args`) and result in the native layout (the types of the component's
 * header: the parameters in order, as a struct). It may read and rewrite
 * them (strings and lists it puts there must stay valid for the call:
 * static data or wacc_rt_host_alloc). Returning nonzero refuses the call
 * (before) or fails it (after) with WACC_TRAP_HOOK_REFUSED, the code being
 * the trap detail. */
typedef uint32_t (*WaccHook)(void *ctx, const WaccSite *site, uint32_t phase,
                             void *args, void *result);
/* A hook that lets every call through unchanged. */
uint32_t wacc_rt_hook_identity(void *ctx, const WaccSite *site, uint32_t phase,
                               void *args, void *result);

/* The sites of ctx (0 without a policy or for NULL), one of them (NULL if
 * none), and its statistics (0, or WACC_TRAP_INVALID_ARGUMENT). */
uint32_t wacc_rt_component_sites(void *ctx);
const WaccSite *wacc_rt_component_site(void *ctx, uint32_t i);
uint32_t wacc_rt_component_site_stats(void *ctx, uint32_t i, WaccSiteStats *out);

/* ---- executables (hosted targets) ----------------------------------- */

/* Runs a WASI preview1 or plain module as a program: sets up the WASI host
 * (arguments, no preopens, no environment), instantiates `desc` with its
 * link-time imports, calls its `_start` export. Returns the exit status
 * (134 after a trap, 70 when it cannot instantiate). */
int wacc_rt_main(const WaccModuleDesc *desc, int argc, char **argv);

/* wacc_rt_main with build-time host options: config[0..config_len) holds
 * NUL-terminated records `dir=HOST[::GUEST]` and `env=K[=V]`. */
int wacc_rt_main_wasi(const WaccModuleDesc *desc, int argc, char **argv,
                      const uint8_t *config, size_t config_len);

/* The same for a WASI 0.2 command component: `instantiate` is its
 * `P_instantiate`, `run` the entry of its `wasi:cli/run` export's `run`
 * (or NULL). */
int wacc_rt_main_component(uint32_t (*instantiate)(WaccStore *store, void **ctx),
                           uint32_t (*run)(void *ctx, const uint8_t *args, uint8_t *result),
                           int argc, char **argv, const uint8_t *config,
                           size_t config_len);

#ifdef __cplusplus
}
#endif

#endif /* WACC_H */
