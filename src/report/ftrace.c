/* report/ftrace.c - ftrace text lines (report/ftrace.h).
 *
 * The line grammar is the one Linux's trace output prints (the task, "-",
 * the pid, the CPU in brackets, four latency flag columns, the time in
 * seconds with microseconds, the event name) and the event bodies are the
 * TP_printk formats of include/trace/events/sched.h: sched_switch
 * ("prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s
 * next_pid=%d next_prio=%d") and sched_wakeup ("comm=%s pid=%d prio=%d
 * target_cpu=%03d").  Every vCPU has the priority of a nice-0 task (120). */
#include "report/ftrace.h"

#define TASK_PRIO 120

int vl_ftrace_pid(const vl_vcpu *v)
{
    return 1 + v->id;
}

void vl_ftrace_header(FILE *f)
{
    fputs("# tracer: nop\n"
          "#\n"
          "#                              _-----=> irqs-off\n"
          "#                             / _----=> need-resched\n"
          "#                            | / _---=> hardirq/softirq\n"
          "#                            || / _--=> preempt-depth\n"
          "#                            ||| /     delay\n"
          "#           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION\n"
          "#              | |       |   ||||       |         |\n",
          f);
}

/* The line's prefix: the task current on pCPU `cpu` (NULL: idle). */
static void line_head(FILE *f, const vl_vcpu *curr, int cpu, vl_ns now, const char *event)
{
    char comm[VL_NAME_MAX + 16];
    if (curr)
        snprintf(comm, sizeof comm, "%s.v%d", curr->vm->name, curr->index);
    else
        snprintf(comm, sizeof comm, "<idle>");
    fprintf(f, "%16s-%-5d [%03d] d..2 %5lld.%06lld: %s: ", comm, curr ? vl_ftrace_pid(curr) : 0,
            cpu, (long long)(now / 1000000000), (long long)(now / 1000 % 1000000), event);
}

static void task_fields(FILE *f, const char *prefix, const vl_vcpu *v, int cpu)
{
    if (v)
        fprintf(f, "%scomm=%s.v%d %spid=%d %sprio=%d", prefix, v->vm->name, v->index, prefix,
                vl_ftrace_pid(v), prefix, TASK_PRIO);
    else
        fprintf(f, "%scomm=swapper/%d %spid=0 %sprio=%d", prefix, cpu, prefix, prefix, TASK_PRIO);
}

/* prev_state as sched.h prints it: "R+" preempted (TASK_REPORT_MAX set),
 * "S" halted (interruptible sleep), "T" offline (stopped: it may come
 * back when onlined); the idle task is always "R". */
static const char *prev_state(const vl_vcpu *prev)
{
    if (!prev)
        return "R";
    switch (prev->state) {
    case VL_BLOCKED: return "S";
    case VL_OFFLINE: return "T";
    default: return "R+";
    }
}

void vl_ftrace_switch(FILE *f, const vl_pcpu *p, const vl_vcpu *prev, const vl_vcpu *next,
                      vl_ns now)
{
    line_head(f, prev, p->id, now, "sched_switch");
    task_fields(f, "prev_", prev, p->id);
    fprintf(f, " prev_state=%s ==> ", prev_state(prev));
    task_fields(f, "next_", next, p->id);
    fputc('\n', f);
}

void vl_ftrace_wakeup(FILE *f, const vl_vcpu *v, const vl_vcpu *curr, vl_ns now)
{
    int cpu = v->processor->id;
    line_head(f, curr, cpu, now, "sched_wakeup");
    task_fields(f, "", v, cpu);
    fprintf(f, " target_cpu=%03d\n", cpu);
}
