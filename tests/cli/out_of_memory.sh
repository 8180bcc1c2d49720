#!/usr/bin/env bash
# Out of memory in the middle of a run: exit status 1, one line naming what
# ran out, no output file left behind.  The address-space limit (ulimit -v)
# is raised in steps of 25 KB (a run grows by a few hundred KB after its
# model is built) from one too low to load the program until the
# run starts and then runs out; a limit that lets it finish would end the
# search unanswered.  Skipped in a sanitizer build (its shadow memory does
# not fit any such limit).
set -u
bin=$1
if nm "$bin" 2>/dev/null | grep -q " __asan_init"; then echo "skipped: ASan build"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/forks.yaml" <<'Y'
scheduler: credit
host: {pcpus: 4}
vms:
  - {name: k, vcpus: 4, workloads: [{type: gmake}]}
  - {name: d, vcpus: 4, workloads: [{type: dedup}]}
run: {duration: 2s}
Y
for kb in $(seq 2000 25 40000); do
  (ulimit -v "$kb"; "$bin" run "$tmp/forks.yaml" --json "$tmp/out.json" --trace "$tmp/trace.json" \
     --quiet >"$tmp/stdout" 2>"$tmp/stderr")
  rc=$?
  case $rc in
    0) echo "FAIL: no limit up to ${kb} KB stopped the run in its middle"; exit 1 ;;
    1) break ;;
  esac # else: the program or the model could not even start
done
fail=0
grep -qE "^vcpulab: out of memory: .+ \(the run was stopped\)$" "$tmp/stderr" &&
  [ "$(wc -l <"$tmp/stderr")" -eq 1 ] || { echo "FAIL at ${kb} KB: stderr is not one line naming what ran out:"; cat "$tmp/stderr"; fail=1; }
[ -s "$tmp/stdout" ] && { echo "FAIL: output on stdout"; fail=1; }
ls "$tmp" | grep -q "out.json\|trace.json" && { echo "FAIL: output files left: $(ls "$tmp")"; fail=1; }
echo "at ulimit -v ${kb}: $(cat "$tmp/stderr")"
exit $fail
