/* cli/main.c - `vcpulab`: dispatch to the subcommands. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "report/report.h"

static const char usage[] =
    "usage: vcpulab COMMAND [options]\n"
    "\n"
    "A laboratory for hypervisor vCPU scheduling: real scheduling policies on a\n"
    "deterministic model of a consolidated multicore host.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO        run one scenario under one policy\n"
    "  compare SCENARIO    run several policies on the same seeds, side by side\n"
    "  sweep SCENARIO      run a parameter grid x policies x seeds in parallel\n"
    "  list policies|workloads\n"
    "                      what is registered\n"
    "  describe NAME       a policy's or workload's description and parameters\n"
    "  validate SCENARIO   check a scenario without running it\n"
    "  merge SHARD-FILE... join the outputs of a sweep's shards (sweep --shard)\n"
    "  plot FILE           a figure (PNG, PDF, SVG) from run, compare or sweep output\n"
    "  import-rtapp FILE.json\n"
    "                      an rt-app description as a scenario (docs/programs.md)\n"
    "\n"
    "  --help              this text (COMMAND --help for a command's options)\n"
    "  --version           print the version and the commit it was built from\n"
    "\n"
    "Scenarios: docs/scenario-format.md.  Output: docs/output-format.md.\n";

/* A command that succeeded but whose standard output could not be written
 * (a full disk, a closed pipe, /dev/full) fails: exit 1 with a message.
 * Commands that commit outputs check standard output before committing
 * and report it themselves. */
static int checked_stdout(int status)
{
    errno = 0;
    if ((fflush(stdout) != 0 || ferror(stdout)) && status == VL_EXIT_OK) {
        fprintf(stderr, "vcpulab: standard output: write error: %s\n",
                strerror(errno ? errno : EIO));
        return VL_EXIT_RUN;
    }
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return VL_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return checked_stdout(VL_EXIT_OK);
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("vcpulab %s (commit %s)\n", VL_VERSION, vl_build_commit());
        return checked_stdout(VL_EXIT_OK);
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"run", vl_cmd_run},           {"compare", vl_cmd_compare},
        {"list", vl_cmd_list},         {"describe", vl_cmd_describe},
        {"validate", vl_cmd_validate}, {"sweep", vl_cmd_sweep},
        {"merge", vl_cmd_merge},       {"plot", vl_cmd_plot},
        {"import-rtapp", vl_cmd_import_rtapp},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(cmd, cmds[i].name) == 0)
            return checked_stdout(cmds[i].fn(argc - 1, argv + 1));
    fprintf(stderr, "vcpulab: unknown command '%s'\n\n%s", cmd, usage);
    return VL_EXIT_USAGE;
}
