/* vl_mem.c - the process's memory and the machine's (vl_mem.h). */
#include "vl_mem.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

void vl_mem_usage(size_t *resident, size_t *virt)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size, res;
    int n = f ? fscanf(f, "%lu %lu", &size, &res) : 0;
    if (f)
        fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    bool ok = n == 2 && page > 0;
    *resident = ok ? (size_t)res * (size_t)page : 0;
    *virt = ok ? (size_t)size * (size_t)page : 0;
}

size_t vl_mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[256];
    unsigned long long kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    fclose(f);
    return (size_t)kb * 1024;
}

size_t vl_mem_as_headroom(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
        return (size_t)-1;
    size_t held, resident;
    vl_mem_usage(&resident, &held);
    return rl.rlim_cur > held ? (size_t)(rl.rlim_cur - held) : 0;
}
