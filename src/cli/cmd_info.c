/* cli/cmd_info.c - `vcpulab list`, `describe` and `validate`: what exists,
 * what a policy or workload accepts, and whether a scenario is valid. */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "model/model.h"
#include "workload/workload.h"

static const char list_usage[] =
    "usage: vcpulab list policies|workloads\n"
    "\n"
    "Lists the registered policies or workload types with a one-line summary.\n";

static const char describe_usage[] =
    "usage: vcpulab describe NAME|guest\n"
    "\n"
    "Prints the description and parameter table of a policy or workload type:\n"
    "name, type, default, range, unit and help of every parameter.  `guest`\n"
    "prints the guest kernel's settings (vms[].guest).\n";

static const char validate_usage[] =
    "usage: vcpulab validate SCENARIO [--set KEY=VALUE]...\n"
    "\n"
    "Loads and checks SCENARIO without running it; prints a one-line summary.\n"
    "Exit status 0 if valid, 2 with file:line:col: message if not.\n";

static int wants_help(int argc, char **argv, const char *usage)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
    return 0;
}

/* First sentence of a description, for listings. */
static void print_summary(const char *name, const char *desc)
{
    const char *dot = strstr(desc, ". ");
    int len = dot ? (int)(dot - desc + 1) : (int)strlen(desc);
    printf("  %-14s %.*s\n", name, len, desc); /* wide enough for "streamcluster" */
}

int vl_cmd_list(int argc, char **argv)
{
    if (wants_help(argc, argv, list_usage))
        return VL_EXIT_OK;
    if (argc != 2) {
        fputs(list_usage, stderr);
        return VL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "policies") == 0) {
        for (int i = 0; i < vl_policy_count(); i++)
            print_summary(vl_policy_at(i)->name, vl_policy_at(i)->description);
    } else if (strcmp(argv[1], "workloads") == 0) {
        for (int i = 0; i < vl_workload_type_count(); i++)
            print_summary(vl_workload_type_at(i)->name, vl_workload_type_at(i)->description);
    } else {
        vl_cli_fail("list: expected 'policies' or 'workloads', got '%s'", argv[1]);
        return VL_EXIT_USAGE;
    }
    return VL_EXIT_OK;
}

static const char *type_name(vl_param_type t)
{
    static const char *const names[] = {"int", "time", "bool", "double", "enum", "dist",
                                        "program"};
    return names[t];
}

static void format_value(const vl_param *p, double v, char *buf, size_t len)
{
    switch (p->type) {
    case VL_PARAM_TIME:
    case VL_PARAM_DIST:
        vl_duration_format((vl_ns)v, buf, len);
        break;
    case VL_PARAM_BOOL:
        snprintf(buf, len, "%s", v != 0 ? "true" : "false");
        break;
    case VL_PARAM_ENUM:
        snprintf(buf, len, "%s", p->choices[(int)v]);
        break;
    case VL_PARAM_PROGRAM:
        snprintf(buf, len, "required");
        break;
    default:
        snprintf(buf, len, "%g", v);
    }
}

static void print_table(const char *title, const vl_param *t)
{
    printf("\n%s:\n", title);
    if (!t || !t->name) {
        printf("  (none)\n");
        return;
    }
    printf("  %-22s %-7s %-10s %-24s %s\n", "name", "type", "default", "range", "help");
    for (; t->name; t++) {
        char def[32], lo[32], hi[32], range[80] = "";
        format_value(t, t->def, def, sizeof def);
        if (t->type == VL_PARAM_ENUM) {
            for (int i = 0; t->choices[i]; i++) {
                strncat(range, i ? "|" : "", sizeof range - strlen(range) - 1);
                strncat(range, t->choices[i], sizeof range - strlen(range) - 1);
            }
        } else if (t->type != VL_PARAM_BOOL && t->type != VL_PARAM_DIST &&
                   t->type != VL_PARAM_PROGRAM) {
            format_value(t, t->min, lo, sizeof lo);
            format_value(t, t->max, hi, sizeof hi);
            snprintf(range, sizeof range, "%s..%s", lo, hi);
        }
        printf("  %-22s %-7s %-10s %-24s %s\n", t->name, type_name(t->type), def, range, t->help);
    }
}

static const vl_param *guest_param(const char *name)
{
    for (const vl_param *t = vl_guest_params; t->name; t++)
        if (strcmp(t->name, name) == 0)
            return t;
    return NULL;
}

/* What each guest kernel and virtualization mode sets (vl_guest_kernel_preset). */
static void print_kernels(void)
{
    static const char *const era_keys[] = {"spinlock", "pv_spinlocks", "tlb_vectors",
                                           "wakeup_ipi", "futex_wake", "runqueue_lock", "lazy_tlb",
                                           NULL};
    const vl_param *kp = guest_param("kernel"), *vp = guest_param("virt");
    printf("\nkernels (vms[].guest.kernel x virt; a key given beside them overrides):\n");
    for (int k = 0; kp->choices[k]; k++) {
        for (int m = 0; vp->choices[m]; m++) {
            vl_guest_spec g;
            vl_params_defaults(vl_guest_params, &g);
            g.kernel = k;
            g.virt = m;
            const char *why;
            printf("  %-7s %-4s", kp->choices[k], vp->choices[m]);
            if (vl_guest_kernel_preset(&g, &why) < 0) {
                printf(" refused: %s\n", why);
                continue;
            }
            for (int i = 0; era_keys[i]; i++) {
                const vl_param *t = guest_param(era_keys[i]);
                char v[32];
                const char *at = (const char *)&g + t->offset; /* enums and bools */
                format_value(t, t->type == VL_PARAM_BOOL ? *(const bool *)at : *(const int *)at, v,
                             sizeof v);
                printf(" %s=%s", t->name, v);
            }
            printf("\n");
        }
    }
}

int vl_cmd_describe(int argc, char **argv)
{
    if (wants_help(argc, argv, describe_usage))
        return VL_EXIT_OK;
    if (argc != 2) {
        fputs(describe_usage, stderr);
        return VL_EXIT_USAGE;
    }
    const vl_sched_ops *ops = vl_policy_find(argv[1]);
    if (ops) {
        printf("policy %s\n\n%s\n", ops->name, ops->description);
        print_table("host parameters (scenario: params.<policy>.<name>)", ops->params);
        print_table("per-VM parameters (scenario: vms[].params.<policy>.<name>)", ops->vm_params);
        if (ops->vcpu_params)
            print_table("per-vCPU parameters (scenario: vms[].params.<policy>.<name> for every "
                        "vCPU of the VM, vms[].params.<policy>.vcpus.<list>.<name> for some)",
                        ops->vcpu_params);
        if (ops->counters) {
            printf("\ncounters:");
            for (int i = 0; ops->counters[i]; i++)
                printf(" %s", ops->counters[i]);
            printf("\n");
        }
        return VL_EXIT_OK;
    }
    if (strcmp(argv[1], "guest") == 0) {
        printf("guest kernel\n\nThe model of each VM's kernel: timer tick, IPI vectors, spinlocks, "
               "wake-up locking, network and block drivers, hotplug costs "
               "(docs/scenario-format.md, docs/guest-model.md).\n");
        print_table("settings (scenario: vms[].guest.<name>)", vl_guest_params);
        print_kernels();
        return VL_EXIT_OK;
    }
    const vl_workload_type *wt = vl_workload_type_find(argv[1]);
    if (wt) {
        printf("workload %s\n\n%s\n\nio_bound: %s (its tasks are really I/O-bound: the ground truth "
               "the reports score policies' guessed boosts against; vms[].workloads[].io_bound "
               "overrides it)\n", wt->name, wt->description, wt->io_bound ? "true" : "false");
        print_table("parameters (scenario: vms[].workloads[].<name>)", wt->params);
        return VL_EXIT_OK;
    }
    vl_cli_fail("describe: no policy or workload type named '%s' (see vcpulab list; "
                "`describe guest` for the guest kernel's settings)", argv[1]);
    return VL_EXIT_USAGE;
}

int vl_cmd_validate(int argc, char **argv)
{
    static const struct option opts[] = {VL_COMMON_LONG_OPTS, {0, 0, 0, 0}};
    vl_cli_common c = {0};
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == OPT_HELP) {
            fputs(validate_usage, stdout);
            return VL_EXIT_OK;
        }
        if (vl_cli_common_opt(&c, opt, optarg) <= 0) {
            fputs(validate_usage, stderr);
            return VL_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fputs(validate_usage, stderr);
        return VL_EXIT_USAGE;
    }
    vl_scenario scn;
    if (vl_cli_load(argv[optind], &c, &scn) < 0)
        return VL_EXIT_USAGE;
    /* the policy's own checks (admission: vl_sched_refuse) run when it
     * starts: build the model and start it, without running it */
    vl_model m;
    vl_error err;
    vl_model_opts mo = {.fel = VL_FEL_DEFAULT};
    int status = VL_EXIT_OK;
    if (vl_model_create(&m, &scn, scn.sched, scn.seed, scn.duration, &mo, &err) < 0) {
        vl_cli_error(&err);
        vl_scenario_free(&scn);
        return VL_EXIT_USAGE;
    }
    if (vl_model_start(&m, &err) < 0) {
        vl_cli_error(&err);
        status = m.refused ? VL_EXIT_USAGE : VL_EXIT_RUN;
    }
    vl_model_destroy(&m);
    if (status != VL_EXIT_OK) {
        vl_scenario_free(&scn);
        return status;
    }
    int vcpus = 0, workloads = 0;
    for (int i = 0; i < scn.nvms; i++) {
        vcpus += scn.vms[i].vcpus;
        workloads += scn.vms[i].nworkloads;
    }
    char dur[32];
    vl_duration_format(scn.duration, dur, sizeof dur);
    printf("%s: ok: %d pCPUs, %d VMs, %d vCPUs, %d workloads, scheduler %s, %s\n", scn.path,
           scn.host.pcpus, scn.nvms, vcpus, workloads, scn.sched->name, dur);
    vl_scenario_free(&scn);
    return VL_EXIT_OK;
}
