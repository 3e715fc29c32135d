/* Output, then an out-of-bounds store: a memory trap (guard mode: a fault
 * in the guard region; explicit mode: a check in code). */
#include <stdio.h>

__attribute__((noinline)) void poke(volatile int *p) { *p = 42; }

int main(void) {
  printf("about to trap\n");
  fflush(stdout);
  poke((volatile int *)0xfffffff0u);
  printf("not reached\n");
  return 0;
}
