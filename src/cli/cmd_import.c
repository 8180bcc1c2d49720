/* cli/cmd_import.c - `vcpulab import-rtapp`: an rt-app description as a
 * scenario with a `program` workload (scenario/rtapp.c; docs/programs.md,
 * "Importing rt-app files").  The scenario is loaded before it is written,
 * so what the command writes is a scenario vcpulab runs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/sweep.h"
#include "scenario/rtapp.h"

static const char import_usage[] =
    "usage: vcpulab import-rtapp [options] FILE.json\n"
    "\n"
    "Writes a scenario whose one VM runs the rt-app description FILE.json as a\n"
    "`program` workload: each rt-app thread a task group; run, runtime, sleep,\n"
    "timer, lock, unlock, signal, wait, sync, barrier, suspend, resume,\n"
    "sem_post and sem_wait events its steps; thread and phase loops its loops.\n"
    "Every other key is reported on standard error (FILE:LINE:COL) and left out.\n"
    "\n"
    "  -o, --out FILE|-    where the scenario goes (default: standard output)\n"
    "  --vcpus N           the VM's vCPUs, a pCPU each (default 4)\n"
    "  --sched POLICY      the scenario's scheduler (default cfs)\n"
    "  --help              this text\n"
    "\n"
    "What maps and how: docs/programs.md.\n";

/* The workload's name: the file's base name without its extension (the
 * importer makes a scenario name of it). */
static void workload_name(const char *path, char *out, size_t len)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    snprintf(out, len, "%s", base[0] ? base : "rtapp");
    char *dot = strrchr(out, '.');
    if (dot && dot != out)
        *dot = '\0';
}

/* The scenario in text must load (a program past the model's limits
 * does not). */
static int check_loads(const char *path, const char *text, size_t len)
{
    vl_scenario scn;
    vl_error err;
    memset(&err, 0, sizeof err);
    if (vl_scenario_load_string("(imported)", text, len, NULL, 0, &scn, &err) == 0) {
        vl_scenario_free(&scn);
        return 0;
    }
    char msg[1024];
    vl_error_format(&err, msg, sizeof msg);
    vl_cli_fail("import-rtapp: %s: the scenario made of it does not load: %s", path, msg);
    return -1;
}

int vl_cmd_import_rtapp(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, 0, OPT_OUT},
        {"vcpus", required_argument, 0, OPT_VCPUS},
        {"sched", required_argument, 0, OPT_SCHED},
        {"help", no_argument, 0, OPT_HELP},
        {0, 0, 0, 0},
    };
    const char *out = "-";
    char name[VL_NAME_MAX];
    vl_rtapp_options o = {.vcpus = 4, .scheduler = "cfs", .name = name};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
        case OPT_OUT: out = optarg; break;
        case OPT_VCPUS: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 1 || v > 1024) {
                vl_cli_fail("import-rtapp: --vcpus: expected 1..1024, got '%s'", optarg);
                return VL_EXIT_USAGE;
            }
            o.vcpus = (int)v;
            break;
        }
        case OPT_SCHED:
            if (!vl_cli_policy(optarg))
                return VL_EXIT_USAGE;
            o.scheduler = optarg;
            break;
        case OPT_HELP: fputs(import_usage, stdout); return VL_EXIT_OK;
        default: fputs(import_usage, stderr); return VL_EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        vl_cli_fail("import-rtapp: expected one rt-app file (see vcpulab import-rtapp --help)");
        return VL_EXIT_USAGE;
    }
    const char *path = argv[optind];
    size_t len;
    char *text = sweep_read_file(path, &len);
    if (!text) {
        vl_cli_fail("import-rtapp: %s: cannot be read", path);
        return VL_EXIT_USAGE;
    }
    workload_name(path, name, sizeof name);
    char *yaml = NULL;
    size_t ylen = 0;
    FILE *f = open_memstream(&yaml, &ylen);
    vl_error err;
    memset(&err, 0, sizeof err);
    int status = VL_EXIT_OK, skipped = f ? vl_rtapp_import(path, text, len, &o, f, stderr, &err)
                                         : vl_error_set(&err, "out of memory");
    if (f && fclose(f) != 0 && skipped >= 0)
        skipped = vl_error_set(&err, "out of memory");
    if (skipped < 0) {
        vl_cli_error(&err);
        status = VL_EXIT_USAGE;
    } else if (check_loads(path, yaml, ylen) < 0) {
        status = VL_EXIT_USAGE;
    }
    vl_outputs outs;
    vl_output *dst = vl_cli_sole_output(&outs, "--out", out, &status);
    if (dst) {
        fwrite(yaml, 1, ylen, dst->f);
        if (vl_cli_commit(&outs) < 0)
            status = VL_EXIT_RUN;
        else if (skipped > 0)
            fprintf(stderr, "vcpulab: import-rtapp: %d key%s of %s left out (above)\n", skipped,
                    skipped == 1 ? "" : "s", path);
    }
    vl_outputs_abort(&outs);
    free(yaml);
    free(text);
    return status;
}
