/* cli/options.h - long-option ids shared by the subcommands. */
#ifndef VL_CLI_OPTIONS_H
#define VL_CLI_OPTIONS_H

enum {
    OPT_SET = 1000,
    OPT_SCHED,
    OPT_SEED,
    OPT_SEEDS,
    OPT_DURATION,
    OPT_JSON,
    OPT_CSV,
    OPT_TRACE,
    OPT_QUIET,
    OPT_NO_FOLD,
    OPT_CDF,
    OPT_HELP,
    OPT_GRID,
    OPT_JOBS,
    OPT_PLOT,
    OPT_PLOT_OUT,
    OPT_SUMMARY,
    OPT_FTRACE,
    OPT_TRACE_WINDOW,
    OPT_SOLO,
    OPT_LIST,
    OPT_SHARD,
    OPT_RESUME,
    OPT_OUT,
    OPT_SERIES,
    OPT_METRIC,
    OPT_X,
    OPT_WHERE,
    OPT_LOGX,
    OPT_LOGY,
    OPT_TITLE,
    OPT_XLABEL,
    OPT_YLABEL,
    OPT_VCPUS,
};

#define VL_COMMON_LONG_OPTS                                   \
    {"set", required_argument, 0, OPT_SET},                   \
    {"seed", required_argument, 0, OPT_SEED},                 \
    {"duration", required_argument, 0, OPT_DURATION},         \
    {"help", no_argument, 0, OPT_HELP}

#endif
