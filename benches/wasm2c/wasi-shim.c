/* A minimal WASI preview1 host for programs translated by wasm2c (wabt
 * 1.0.32 naming), enough for the benchmark programs: arguments, an empty
 * environment, writes to stdout/stderr, exit, clocks and random bytes.
 * Everything else answers ENOSYS (52). Built as:
 *   wasm2c prog.wasm -n prog -o prog.c
 *   gcc -O2 -I. -I/usr/share/wabt/wasm2c wasi-shim.c prog.c wasm-rt-impl.c -lm
 * main() instantiates the module (memory checks: wasm2c's default, guard
 * pages with a SIGSEGV handler) and calls its `_start` export. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "prog.h"
#include "wasm-rt-impl.h"

#define WASI_ESUCCESS 0
#define WASI_EBADF 8
#define WASI_EINVAL 28
#define WASI_EIO 29
#define WASI_ENOSYS 52
#define WASI_ESPIPE 70

struct Z_wasi_snapshot_preview1_instance_t {
  wasm_rt_memory_t *memory;
  int argc;
  char **argv;
};

static u8 *mem_at(struct Z_wasi_snapshot_preview1_instance_t *w, u32 ptr, u32 len) {
  if ((u64)ptr + len > w->memory->size) wasm_rt_trap(WASM_RT_TRAP_OOB);
  return w->memory->data + ptr;
}
static void store32(struct Z_wasi_snapshot_preview1_instance_t *w, u32 ptr, u32 v) {
  memcpy(mem_at(w, ptr, 4), &v, 4);
}
static void store64(struct Z_wasi_snapshot_preview1_instance_t *w, u32 ptr, u64 v) {
  memcpy(mem_at(w, ptr, 8), &v, 8);
}
static u32 load32(struct Z_wasi_snapshot_preview1_instance_t *w, u32 ptr) {
  u32 v;
  memcpy(&v, mem_at(w, ptr, 4), 4);
  return v;
}

u32 Z_wasi_snapshot_preview1Z_args_sizes_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 argc_ptr,
                                              u32 size_ptr) {
  u32 size = 0;
  for (int i = 0; i < w->argc; i++) size += strlen(w->argv[i]) + 1;
  store32(w, argc_ptr, w->argc);
  store32(w, size_ptr, size);
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_args_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 argv_ptr, u32 buf_ptr) {
  for (int i = 0; i < w->argc; i++) {
    u32 len = strlen(w->argv[i]) + 1;
    memcpy(mem_at(w, buf_ptr, len), w->argv[i], len);
    store32(w, argv_ptr + 4 * i, buf_ptr);
    buf_ptr += len;
  }
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_environ_sizes_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 count_ptr,
                                                 u32 size_ptr) {
  store32(w, count_ptr, 0);
  store32(w, size_ptr, 0);
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_environ_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 env_ptr, u32 buf_ptr) {
  (void)w, (void)env_ptr, (void)buf_ptr;
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_write(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 iovs, u32 n,
                                        u32 nwritten_ptr) {
  if (fd != 1 && fd != 2) return WASI_EBADF;
  u32 total = 0;
  for (u32 i = 0; i < n; i++) {
    u32 buf = load32(w, iovs + 8 * i), len = load32(w, iovs + 8 * i + 4);
    const u8 *p = mem_at(w, buf, len);
    while (len > 0) {
      ssize_t r = write(fd, p, len);
      if (r < 0) {
        if (errno == EINTR) continue;
        return WASI_EIO;
      }
      p += r, len -= r, total += r;
    }
  }
  store32(w, nwritten_ptr, total);
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_fdstat_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 ptr) {
  if (fd > 2) return WASI_EBADF;
  /* filetype character device, no flags, all rights */
  u8 *p = mem_at(w, ptr, 24);
  memset(p, 0, 24);
  p[0] = 2;
  store64(w, ptr + 8, ~(u64)0);
  store64(w, ptr + 16, ~(u64)0);
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_seek(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u64 offset,
                                       u32 whence, u32 ptr) {
  (void)w, (void)offset, (void)whence, (void)ptr;
  return fd <= 2 ? WASI_ESPIPE : WASI_EBADF;
}

u32 Z_wasi_snapshot_preview1Z_fd_close(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd) {
  (void)w, (void)fd;
  return WASI_ENOSYS;
}

u32 Z_wasi_snapshot_preview1Z_clock_time_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 id, u64 precision,
                                              u32 ptr) {
  (void)precision;
  struct timespec ts;
  if (id > 3 || clock_gettime(id == 0 ? CLOCK_REALTIME : id == 1 ? CLOCK_MONOTONIC : id == 2 ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return WASI_EINVAL;
  store64(w, ptr, (u64)ts.tv_sec * 1000000000u + ts.tv_nsec);
  return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_random_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 ptr, u32 len) {
  /* Deterministic bytes: the programs are expected not to depend on them. */
  u8 *p = mem_at(w, ptr, len);
  u32 x = 0x2545F491u;
  for (u32 i = 0; i < len; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    p[i] = (u8)x;
  }
  return WASI_ESUCCESS;
}

void Z_wasi_snapshot_preview1Z_proc_exit(struct Z_wasi_snapshot_preview1_instance_t *w, u32 code) {
  (void)w;
  exit((int)code);
}

int main(int argc, char **argv) {
  static Z_prog_instance_t inst;
  static struct Z_wasi_snapshot_preview1_instance_t wasi;
  wasi.argc = argc;
  wasi.argv = argv;
  wasm_rt_init();
  Z_prog_init_module();
  Z_prog_instantiate(&inst, &wasi);
  wasi.memory = Z_progZ_memory(&inst);
  wasm_rt_trap_t trap = wasm_rt_impl_try();
  if (trap == WASM_RT_TRAP_NONE) {
    Z_progZ__start(&inst);
  } else {
    fprintf(stderr, "wasm trap: %s\n", wasm_rt_strerror(trap));
    return 134;
  }
  Z_prog_free(&inst);
  wasm_rt_free();
  return 0;
}
