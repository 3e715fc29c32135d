/* Dense matrix multiply, double precision, C = A * B with an i-k-j loop
 * order, then C * A again. argv[1]: matrix size n (default 640). */
#include <stdio.h>
#include <stdlib.h>

static void matmul(int n, const double *a, const double *b, double *c) {
  for (int i = 0; i < n * n; i++) c[i] = 0.0;
  for (int i = 0; i < n; i++)
    for (int k = 0; k < n; k++) {
      double aik = a[i * n + k];
      for (int j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 640;
  double *a = malloc(sizeof(double) * n * n);
  double *b = malloc(sizeof(double) * n * n);
  double *c = malloc(sizeof(double) * n * n);
  double *d = malloc(sizeof(double) * n * n);
  unsigned x = 12345;
  for (int i = 0; i < n * n; i++) {
    x = x * 1103515245u + 12345u;
    a[i] = (double)((x >> 16) % 1000) / 256.0 - 2.0;
    x = x * 1103515245u + 12345u;
    b[i] = (double)((x >> 16) % 1000) / 512.0 - 1.0;
  }
  matmul(n, a, b, c);
  matmul(n, c, a, d);
  double trace = 0.0, sum = 0.0;
  for (int i = 0; i < n; i++) trace += d[i * n + i];
  for (int i = 0; i < n * n; i++) sum += d[i] * (double)(i % 7);
  printf("n=%d trace=%.6e\n", n, trace);
  printf("checksum: %.10e\n", sum);
  return 0;
}
