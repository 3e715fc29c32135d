/* Files and directories in the preopen `/data` through wasi-libc, and
 * escape attempts that must fail. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void check(const char *what, int r) {
  if (r < 0)
    printf("%s: error %s\n", what, strerror(errno));
  else
    printf("%s: ok\n", what);
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    printf("opendir %s: error %s\n", dir, strerror(errno));
    return;
  }
  char *names[64];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 64)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof *names, cmp);
  printf("%s:", dir);
  for (int i = 0; i < n; i++) {
    printf(" %s", names[i]);
    free(names[i]);
  }
  printf("\n");
}

int main(void) {
  check("mkdir", mkdir("/data/c", 0755));
  FILE *f = fopen("/data/c/one.txt", "w");
  fprintf(f, "line %d\n", 1);
  fprintf(f, "line %d\n", 2);
  fclose(f);
  f = fopen("/data/c/one.txt", "r");
  char buf[64];
  while (fgets(buf, sizeof buf, f))
    printf("read: %s", buf);
  fclose(f);
  struct stat st;
  check("stat", stat("/data/c/one.txt", &st));
  printf("size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
  int fd = open("/data/c/one.txt", O_RDWR);
  printf("lseek end: %lld\n", (long long)lseek(fd, 0, SEEK_END));
  printf("pwrite: %zd\n", pwrite(fd, "LINE", 4, 0));
  char small[5] = {0};
  printf("pread: %zd %s\n", pread(fd, small, 4, 7), small);
  check("ftruncate", ftruncate(fd, 3));
  check("fstat", fstat(fd, &st));
  printf("size after truncate %lld\n", (long long)st.st_size);
  close(fd);
  struct timespec times[2] = {{1000000000, 0}, {1500000000, 500}};
  check("utimensat", utimensat(AT_FDCWD, "/data/c/one.txt", times, 0));
  check("stat", stat("/data/c/one.txt", &st));
  printf("mtime %lld.%09ld\n", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  check("rename", rename("/data/c/one.txt", "/data/c/two.txt"));
  check("mkdir sub", mkdir("/data/c/sub", 0755));
  list("/data/c");
  check("rmdir non-empty", rmdir("/data/c"));
  check("unlink", unlink("/data/c/two.txt"));
  check("rmdir sub", rmdir("/data/c/sub"));
  check("rmdir", rmdir("/data/c"));
  check("stat removed", stat("/data/c", &st));
  check("open ..", open("/data/../outside/secret.txt", O_RDONLY));
  check("open absolute", open("/etc/passwd", O_RDONLY));
  check("open link out", open("/data/rel_escape/secret.txt", O_RDONLY));
  check("open abs link", open("/data/abs_escape/secret.txt", O_RDONLY));
  check("chdir + ..", chdir("/data") == 0 ? open("../outside/secret.txt", O_RDONLY) : -1);
  list("/data");
  return 0;
}
