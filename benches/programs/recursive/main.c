/* Call-heavy recursive kernels: naive Fibonacci, Ackermann and Takeuchi.
 * argv[1]: Fibonacci argument (default 41); Ackermann and Tak scale with it. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static unsigned fib(unsigned n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

__attribute__((noinline)) static unsigned ack(unsigned m, unsigned n) {
  if (m == 0) return n + 1;
  if (n == 0) return ack(m - 1, 1);
  return ack(m - 1, ack(m, n - 1));
}

__attribute__((noinline)) static int tak(int x, int y, int z) {
  if (y >= x) return z;
  return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y));
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 41;
  unsigned f = fib(n);
  unsigned a = ack(3, n / 4);
  int t = tak(n / 2, n / 3, n / 6);
  printf("fib(%d)=%u ack(3,%d)=%u tak(%d,%d,%d)=%d\n", n, f, n / 4, a, n / 2, n / 3, n / 6, t);
  printf("checksum: %08x\n", f * 31u + a * 7u + (unsigned)t);
  return 0;
}
