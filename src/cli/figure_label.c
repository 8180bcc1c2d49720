/* cli/figure_label.c - the words and units a figure gives the model's
 * metrics and grid keys (cli/figure.h).
 *
 * A metric name is a subject and a quantity: "vm.<vm>.lock.<class>.
 * wait_p99_ns" is VM <vm>'s lock class <class>, its wait's p99; the names
 * are those of docs/output-format.md ("run --csv").  The quantity is the
 * last component, looked up in `quantities`; the subject is what comes
 * before, in words.  A name that does not fit is shown as it is. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/figure.h"

/* The last component of metric names (and of --cdf distributions), in
 * words, and whether it is a fraction of a whole (shown in %). */
static const struct {
    const char *id, *words;
    bool fraction;
} quantities[] = {
    {"share", "CPU share", true},
    {"entitled_share", "entitled CPU share", true},
    {"cpu_ns", "CPU time", false},
    {"wait_ns", "runnable wait (steal)", false},
    {"fragmented_ns", "fragmented time", false},
    {"online_vcpus", "online vCPUs, mean", false},
    {"ple_exits", "pause-loop exits", false},
    {"solo_work_ns", "work alone", false},
    {"slowdown", "slowdown", false},
    {"weighted_speedup", "weighted speedup", false},
    {"pb_boosts", "boosts", false},
    {"pb_hits", "boost hits", false},
    {"pb_false_positives", "boost false positives", false},
    {"pbhr", "boost hit ratio", true},
    {"pb_boosted_ns", "boosted time", false},
    {"wait_mean_ns", "wait, mean", false},
    {"wait_p99_ns", "wait, p99", false},
    {"wait_max_ns", "wait, max", false},
    {"holder_preemptions", "holder preemptions", false},
    {"stacked", "vCPU stacking", false},
    {"latency_mean_ns", "latency, mean", false},
    {"latency_p99_ns", "latency, p99", false},
    {"latency_max_ns", "latency, max", false},
    {"rx_drops", "receive drops", false},
    {"work_ns", "work", false},
    {"bursts", "requests completed", false},
    {"deadline_jobs", "periodic jobs", false},
    {"deadline_misses", "deadline misses", false},
    {"wake_mean_ns", "wake-up latency, mean", false},
    {"wake_p99_ns", "wake-up latency, p99", false},
    {"response_mean_ns", "response time, mean", false},
    {"response_p99_ns", "response time, p99", false},
    {"io_requests", "block requests", false},
    {"io_mean_ns", "block I/O latency, mean", false},
    {"io_p99_ns", "block I/O latency, p99", false},
    {"jobs", "processes ended", false},
    {"completion_mean_ns", "completion time, mean", false},
    {"completion_p99_ns", "completion time, p99", false},
    {"throughput_mbps", "throughput", false},
    {"jitter_ns", "jitter", false},
    {"jitter_mean_ns", "jitter, mean", false},
    {"loss", "loss", true},
    {"jain", "Jain's fairness index", false},
    {"min_entitled_fraction", "smallest fraction of entitlement", true},
    /* --cdf distributions */
    {"wake_latency", "wake-up latency", false},
    {"response", "response time", false},
    {"io_latency", "block I/O latency", false},
    {"completion", "completion time", false},
    {"wait", "wait", false},
    {"latency", "latency", false},
};

static int quantity_of(const char *id)
{
    for (size_t i = 0; i < sizeof quantities / sizeof quantities[0]; i++)
        if (strcmp(quantities[i].id, id) == 0)
            return (int)i;
    return -1;
}

/* Words for the middle of a VM's metric name ("lock.zone": "zone lock"). */
static const struct { const char *prefix, *words; } vm_parts[] = {
    {"ipi.resched", "reschedule IPI"},
    {"ipi.tlb", "TLB shootdown IPI"},
    {"tlb", "TLB shootdown"},
    {"io", "I/O"},
};

void vl_metric_label(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s", name);
    if (strncmp(name, "policy.", 7) == 0) {
        snprintf(buf, len, "policy counter %s", name + 7);
        return;
    }
    const char *last = strrchr(name, '.');
    int q = quantity_of(last ? last + 1 : name);
    if (q < 0)
        return;
    const char *words = quantities[q].words;
    if (!last) { /* weighted_speedup */
        snprintf(buf, len, "%s", words);
        return;
    }
    char subject[256];
    snprintf(subject, sizeof subject, "%.*s", (int)(last - name), name);
    char *parts[6];
    int n = 0;
    for (char *p = subject; n < 6 && p;) {
        parts[n++] = p;
        if ((p = strchr(p, '.')))
            *p++ = '\0';
    }
    if (strcmp(parts[0], "fairness") == 0 && n == 1) {
        snprintf(buf, len, "%s", words);
    } else if (strcmp(parts[0], "wl") == 0 && (n == 3 || (n == 4 && !strcmp(parts[3], "net")))) {
        snprintf(buf, len, "%s/%s %s", parts[1], parts[2], words);
    } else if (strcmp(parts[0], "vm") == 0 && n >= 2) {
        const char *rest = name + 3 + strlen(parts[1]) + 1; /* after "vm.<vm>." */
        size_t rlen = (size_t)(last - rest);
        if (n == 2) {
            snprintf(buf, len, "%s %s", parts[1], words);
        } else if (n == 4 && strcmp(parts[2], "lock") == 0) {
            snprintf(buf, len, "%s %s lock %s", parts[1], parts[3], words);
        } else {
            for (size_t i = 0; i < sizeof vm_parts / sizeof vm_parts[0]; i++)
                if (strlen(vm_parts[i].prefix) == rlen &&
                    strncmp(rest, vm_parts[i].prefix, rlen) == 0)
                    snprintf(buf, len, "%s %s %s", parts[1], vm_parts[i].words, words);
        }
    }
}

vl_unit vl_time_unit(double maxabs)
{
    static const vl_unit units[] = {
        {1e9, "s"}, {1e6, "ms"}, {1e3, "\xc2\xb5s"}, {1, "ns"}};
    size_t u = 0;
    while (u < 3 && maxabs < units[u].scale)
        u++;
    return units[u];
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

vl_unit vl_metric_unit(const char *name, double maxabs, bool ns)
{
    const char *last = strrchr(name, '.');
    int q = quantity_of(last ? last + 1 : name);
    if (ns || ends_with(name, "_ns"))
        return vl_time_unit(maxabs);
    if (q >= 0 && quantities[q].fraction)
        return (vl_unit){0.01, "%"};
    if (ends_with(name, "_mbps"))
        return (vl_unit){1, "Mbit/s"};
    return (vl_unit){1, ""};
}

void vl_key_label(const char *key, char *buf, size_t len)
{
    const char *p = strncmp(key, "params.", 7) == 0 ? key + 7 : NULL;
    const char *dot = p ? strchr(p, '.') : NULL;
    if (dot)
        snprintf(buf, len, "%.*s %s", (int)(dot - p), p, dot + 1);
    else
        snprintf(buf, len, "%s", key);
}

void vl_axis_label(char *buf, size_t len, const char *label, vl_unit u)
{
    if (u.name[0])
        snprintf(buf, len, "%s (%s)", label, u.name);
    else
        snprintf(buf, len, "%s", label);
}
