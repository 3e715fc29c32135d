/* Arguments, environment, stdin and the exit status through wasi-libc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <poll.h>

extern char **environ;

int main(int argc, char **argv) {
  printf("hello from C\n");
  for (int i = 1; i < argc; i++)
    printf("arg %d: %s\n", i, argv[i]);
  int n = 0;
  for (char **e = environ; *e; e++)
    n++;
  printf("%d environment variables\n", n);
  const char *g = getenv("GREETING");
  printf("GREETING=%s\n", g ? g : "(unset)");
  printf("PATH is %s\n", getenv("PATH") ? "set" : "unset");
  /* stdin is a pipe holding the whole input: readable at once. */
  struct pollfd pf = {.fd = 0, .events = POLLIN};
  int ready = poll(&pf, 1, 5000);
  printf("poll stdin: %d ready, readable %d\n", ready, (pf.revents & POLLIN) != 0);
  struct pollfd out = {.fd = 1, .events = POLLOUT};
  int w = poll(&out, 1, 5000);
  printf("poll stdout: %d ready, writable %d\n", w, (out.revents & POLLOUT) != 0);
  printf("poll timeout only: %d\n", poll(NULL, 0, 20));
  char line[256];
  unsigned long sum = 0;
  while (fgets(line, sizeof line, stdin)) {
    for (char *p = line; *p; p++)
      *p = toupper((unsigned char)*p);
    fputs(line, stdout);
    sum += strlen(line);
  }
  printf("%lu bytes read\n", sum);
  fflush(stdout);
  return argc > 1 ? atoi(argv[1]) : 0;
}
