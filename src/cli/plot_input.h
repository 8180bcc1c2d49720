/* cli/plot_input.h - the files `vcpulab plot` reads (plot_input.c), as one
 * table: the columns of the CSV the file is or stands for, and the rows of
 * one metric.
 *
 * What is read, by content (not by name):
 *   CSV of runs      run/compare/sweep --csv: scenario,sched,seed,metric,
 *                    value[,grid keys]
 *   CSV summary      sweep --summary FILE.csv: scenario,sched,metric,n,
 *                    mean,ci95[,key,key.value ...]
 *   CSV of CDFs      run/compare/sweep --cdf: scenario,sched,seed,
 *                    distribution,value_ns,cdf[,grid keys]
 *   JSON             compare --json (its runs), sweep --json, sweep
 *                    --summary FILE.json: read as the CSV of the same
 *                    command would hold them.
 * '#' lines (provenance) are skipped. */
#ifndef VL_CLI_PLOT_INPUT_H
#define VL_CLI_PLOT_INPUT_H

typedef enum plot_input_kind {
    PLOT_RUNS,    /* a value per run and metric      */
    PLOT_SUMMARY, /* n, mean, ci95 per group         */
    PLOT_CDF,     /* CDF points per run              */
} plot_input_kind;

/* The columns every kind has, by index into cols. */
typedef struct plot_table {
    plot_input_kind kind;
    char **cols;
    int ncols;
    int c_scenario, c_sched, c_seed; /* c_seed: -1 in a summary      */
    int c_name;  /* metric or distribution                          */
    int c_value; /* value, mean or value_ns                         */
    int c_ci95, c_n, c_cdf; /* -1 where the kind has none            */
    int *grid;   /* the grid keys' columns (as given), ngrid        */
    int ngrid;
    char ***rows; /* the rows of the metric asked for, ncols fields  */
    int nrows, cap;
    char **names; /* every metric (distribution) name, first seen first */
    int nnames;
} plot_table;

/* Reads path ("-": standard input), keeping the rows whose metric (or
 * distribution) is `name`.  Prints the error ("plot: FILE:LINE: ...")
 * and returns -1 when the file cannot be read or is none of the above
 * (-2 when out of memory). */
int plot_table_read(const char *path, const char *name, plot_table *t);
/* The column named `col`, or -1. */
int plot_table_column(const plot_table *t, const char *col);
void plot_table_free(plot_table *t);

#endif
