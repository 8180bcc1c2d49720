/* ctxsw.c - the cost of a wake-up plus a context switch (lmbench lat_ctx
 * style): two processes on one CPU pass a byte back and forth through two
 * pipes; the time per round trip, less two write+read pairs measured
 * without a switch, is two wake-up + switch pairs.
 * Build: gcc -O2 ctxsw.c -o ctxsw      Run: ./ctxsw [ROUNDS] */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void put(int fd, char *c)
{
    if (write(fd, c, 1) != 1)
        exit(1);
}

static void get(int fd, char *c)
{
    if (read(fd, c, 1) != 1)
        exit(1);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200000;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    int a[2], b[2];
    char c = 0;
    if (sched_setaffinity(0, sizeof one, &one) || pipe(a) || pipe(b))
        return 1;
    double t0 = now();
    for (int i = 0; i < n; i++) { /* the pipe calls alone */
        put(a[1], &c);
        get(a[0], &c);
    }
    double calls = (now() - t0) / n;
    if (fork() == 0) {
        for (int i = 0; i < n; i++) { /* the echo: wait, then answer */
            get(a[0], &c);
            put(b[1], &c);
        }
        _exit(0);
    }
    t0 = now();
    for (int i = 0; i < n; i++) {
        put(a[1], &c);
        get(b[0], &c);
    }
    double trip = (now() - t0) / n;
    printf("write+read %.0f ns, round trip %.0f ns, wake-up + switch %.0f ns\n", calls * 1e9,
           trip * 1e9, (trip - 2 * calls) / 2 * 1e9);
    return 0;
}
