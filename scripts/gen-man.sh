#!/bin/sh
# gen-man.sh BIN OUT - writes the manual page vcpulab(1) to OUT from the
# --help texts of BIN and of each of its commands, so the page says exactly
# what the program says (no second copy to drift).  Run by the build
# (CMakeLists.txt, target `man`); installed by `cmake --install`.
set -eu
bin=$1 out=$2
tmp=$out.tmp
# troff: escape backslashes; a line starting with . or ' gets a zero-width
# escape so it is not read as a request
esc() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }
{
  version=$("$bin" --version | head -n 1)
  printf '.TH VCPULAB 1 "" "%s" "User Commands"\n' "$version"
  printf '.SH NAME\nvcpulab \\- a laboratory for hypervisor vCPU scheduling\n'
  printf '.SH SYNOPSIS\n.B vcpulab\n.I COMMAND\n[\\fIoptions\\fR]\n'
  printf '.SH DESCRIPTION\n.nf\n'
  "$bin" --help | esc
  printf '.fi\n.SH COMMANDS\n'
  for c in run compare sweep merge plot import-rtapp list describe validate; do
    printf '.SS %s\n.nf\n' "$c"
    "$bin" "$c" --help | esc
    printf '.fi\n'
  done
  printf '.SH POLICIES\n.nf\n'
  "$bin" list policies | cut -c1-78 | esc
  printf '.fi\nEach policy'"'"'s parameters: \\fBvcpulab describe\\fR \\fIPOLICY\\fR.\n'
  printf '.SH FILES\nScenario files are YAML (docs/scenario-format.md in the source tree);\n'
  printf 'scenarios/ holds examples and the experiments of docs/experiments.md.\n'
  printf '.SH SEE ALSO\nREADME.md, docs/scenario-format.md, docs/output-format.md,\n'
  printf 'docs/sched-interface.md, docs/experiments.md in the source tree.\n'
} > "$tmp"
mv "$tmp" "$out"
