#!/usr/bin/env bash
# The semantic gap: a policy in src/sched/ may include only the public policy
# interface (vcpulab/sched.h), util headers (vl_*.h) and the C library.
set -u
src=$2
bad=0
for f in "$src"/src/sched/*.c "$src"/src/sched/*.h; do
  [ -e "$f" ] || continue
  while IFS= read -r line; do
    inc=$(echo "$line" | sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p')
    [ -z "$inc" ] && continue
    case "$inc" in
      vcpulab/sched.h|vl_*.h) ;;
      *) if [ ! -e "$(dirname "$f")/$inc" ] || [[ "$inc" == */* ]]; then
           echo "FAIL: $f includes \"$inc\" (policies see only vcpulab/sched.h and src/util)"; bad=1
         fi ;;
    esac
  done < "$f"
done
exit $bad
