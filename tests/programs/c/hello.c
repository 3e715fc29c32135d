/* Arguments, environment, stdin and the exit status through wasi-libc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

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
