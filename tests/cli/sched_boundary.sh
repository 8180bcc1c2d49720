#!/usr/bin/env bash
# The semantic gap: a policy in src/sched/ reaches only the policy interface
# (include/vcpulab/sched.h), src/util and the C library.  Checked twice:
#   includes  every #include of src/sched/*.[ch] names vcpulab/sched.h, a
#             header of src/util (vl_*.h), a header beside it, or (in <>)
#             a system header; no path climbs out with "..";
#   links     every symbol the policy objects leave undefined (nm -u) is a
#             function sched.h declares, a symbol src/util or another
#             policy object defines, or one of the C library and the
#             compiler's runtime: a policy that declares a core function
#             itself (extern) is caught here, where no include shows it.
# Both checks first prove on a planted offender that they catch it.
# Usage: sched_boundary.sh BUILD/vcpulab SOURCE_DIR
set -u
bin=$1 src=$2
build=$(cd "$(dirname "$bin")" && pwd)
NM=${NM:-nm}
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# --- includes -------------------------------------------------------------
# check_includes DIR: prints one FAIL line per bad #include in DIR/*.[ch].
check_includes() {
  local dir=$1
  ls "$src"/src/util/ | grep -E '^vl_.*\.h$' >"$tmp/util_headers"
  ls "$dir" | grep -E '\.h$' >"$tmp/local_headers"
  grep -HnE '^[[:space:]]*#[[:space:]]*include' "$dir"/*.c "$dir"/*.h 2>/dev/null |
    awk -v util="$tmp/util_headers" -v local_="$tmp/local_headers" '
      BEGIN { while ((getline h < util) > 0) ok_util[h] = 1
              while ((getline h < local_) > 0) ok_local[h] = 1 }
      {
        line = $0; sub(/^[^:]*:[0-9]+:/, "", line); where = substr($0, 1, length($0) - length(line) - 1)
        if (match(line, /"[^"]*"/)) { inc = substr(line, RSTART + 1, RLENGTH - 2); quoted = 1 }
        else if (match(line, /<[^>]*>/)) { inc = substr(line, RSTART + 1, RLENGTH - 2); quoted = 0 }
        else { print "FAIL: " where ": #include of neither \"...\" nor <...>"; next }
        if (inc ~ /\.\./) bad = 1
        else if (quoted) bad = !(inc == "vcpulab/sched.h" || ok_util[inc] || ok_local[inc])
        else bad = (inc ~ /^vcpulab\// && inc != "vcpulab/sched.h")
        if (bad) print "FAIL: " where ": includes " (quoted ? "\"" inc "\"" : "<" inc ">") \
                       " (policies see only vcpulab/sched.h, src/util and headers beside them)"
      }'
}

# --- links ----------------------------------------------------------------
# The symbols a policy may leave undefined, one per line, sorted.
allowed_symbols() {
  {
    # the functions sched.h declares (comments stripped, includes not expanded)
    "$CC" -fpreprocessed -dD -E -P "$src/include/vcpulab/sched.h" | grep -oE '\bvl_[a-z0-9_]+\(' |
      tr -d '('
    "$NM" --defined-only -g "$build/libvl_util.a" 2>/dev/null | awk 'NF == 3 { print $3 }'
    "$NM" -D --defined-only "$("$CC" -print-file-name=libc.so.6)" \
      "$("$CC" -print-file-name=libm.so.6)" | awk 'NF == 3 { sub(/@.*/, "", $3); print $3 }'
    "$NM" --defined-only "$("$CC" -print-libgcc-file-name)" \
      "$("$CC" -print-file-name=libc_nonshared.a)" 2>/dev/null | awk 'NF == 3 { print $3 }'
    echo _GLOBAL_OFFSET_TABLE_
  } | sort -u
}

# check_links OBJECT...: prints one FAIL line per symbol out of reach, with
# the project file that defines it when there is one.
check_links() {
  "$NM" --defined-only -g "$@" | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/own"
  # (the calls a sanitizer build inserts are the compiler's, not the policy's)
  "$NM" -A -u "$@" | awk '{ f = $1; sub(/:$/, "", f); n = split(f, p, "/"); print p[n], $NF }' |
    grep -vE ' __(asan|ubsan|lsan|sanitizer)_' | sort -k2,2 >"$tmp/undefined"
  # where each project symbol lives: "symbol file"
  find "$build/CMakeFiles" -name '*.o' ! -path '*/vl_policies.dir/*' -print0 |
    xargs -0 "$NM" -A --defined-only -g 2>/dev/null |
    awk 'NF == 3 { f = $1; sub(/:[^:]*$/, "", f); sub(/.*CMakeFiles\/[^\/]*\.dir\//, "", f);
                   sub(/\.o$/, "", f); print $3, f }' | sort -u -k1,1 >"$tmp/project"
  join -1 2 -2 1 -v 1 "$tmp/undefined" "$tmp/allowed" | join -v 1 - "$tmp/own" |
    join -a 1 - "$tmp/project" |
    awk '{ print "FAIL: " $2 " uses " $1 (NF > 2 ? " (defined in " $3 ")" : " (not the C library)") \
           ": policies reach only sched.h, src/util and the C library" }'
}

objdir=$build/CMakeFiles/vl_policies.dir/src/sched
ls "$objdir"/*.o >/dev/null 2>&1 || { echo "FAIL: no policy objects in $objdir (build first)"; exit 1; }
for c in "$src"/src/sched/*.c; do
  [ -e "$objdir/$(basename "$c").o" ] || { echo "FAIL: no object for $c"; fail=1; }
done
allowed_symbols >"$tmp/allowed"
grep -qx vl_tickle "$tmp/allowed" && grep -qx vl_error_set "$tmp/allowed" && grep -qx memset "$tmp/allowed" ||
  { echo "FAIL: the allow-list lacks sched.h, src/util or the C library"; exit 1; }

# the checks catch planted offenders
mkdir "$tmp/planted"
printf '#include "vcpulab/sched.h"\n#include "../hv/hv.h"\n#include <vcpulab/scenario.h>\n' \
  >"$tmp/planted/bad.c"
out=$(check_includes "$tmp/planted")
{ echo "$out" | grep -q '"../hv/hv.h"' && echo "$out" | grep -q '<vcpulab/scenario.h>' &&
  [ "$(echo "$out" | wc -l)" -eq 2 ]; } || { echo "FAIL: the include check missed planted offenders: $out"; fail=1; }
printf 'struct vl_pcpu;\nvoid vl_hv_reschedule(struct vl_pcpu *p);\nvoid planted(struct vl_pcpu *p);\n%s\n' \
  'void planted(struct vl_pcpu *p) { vl_hv_reschedule(p); }' >"$tmp/planted.c"
"$CC" -c -o "$tmp/planted.o" "$tmp/planted.c" || exit 1
out=$(check_links "$objdir"/*.o "$tmp/planted.o")
echo "$out" | grep -q "planted.o uses vl_hv_reschedule (defined in src/hv/core.c)" ||
  { echo "FAIL: the link check missed a planted call into the core: $out"; fail=1; }

# the policies
check_includes "$src/src/sched" | grep . && fail=1
check_links "$objdir"/*.o | grep . && fail=1
exit $fail
