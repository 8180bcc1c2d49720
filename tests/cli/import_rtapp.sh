#!/usr/bin/env bash
# vcpulab import-rtapp (docs/programs.md, "Importing rt-app files"): a small
# rt-app file with C comments, a trailing comma, numbered and repeated
# events (run0 and run1; run twice), instances, phases with loops, a delay,
# timers, a mutex, a barrier, suspend/resume, a semaphore and a condition
# named as a mutex is (rt-app keeps resources per name and type) becomes
# the expected scenario, which loads and runs; the keys it leaves out and a
# task's second timer (a task has one release stream) are reported with
# their positions; the output follows the CLI's rule (replaces a regular
# file, a directory is refused) and a failed import writes nothing.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
cat > "$tmp/small.json" <<'EOF'
{
	/* Workers that take a mutex and meet at a barrier; a periodic thread
	 * that suspends itself until a waker resumes it; a semaphore. */
	"tasks" : {
		"worker" : {
			"instance" : 2,
			"run0" : 1000,
			"lock" : "m",
			"run1" : 200,
			"unlock" : "m",
			"barrier" : "b",
			"sleep" : 500,
			"yield" : "",
		},
		"periodic" : {
			"delay" : 1000,
			"cpus" : [0],
			"phases" : {
				"fast" : { "loop" : 5, "run" : 100,
					   "timer" : { "ref" : "unique", "period" : 1000 } },
				"slow" : { "run" : 300, "suspend" : "periodic",
					   "timer" : { "ref" : "other", "period" : 5000 } }
			}
		},
		"waker" : { "loop" : 10, "sleep" : 3000, "resume" : "periodic", "sem_post" : "s" },
		"waiter" : { "sem_wait" : "s", "run" : 50, // a condition under a mutex
			     "lock" : "m2", "wait" : { "ref" : "m2", "mutex" : "m2" }, "unlock" : "m2" },
		"signaler" : { "run" : 20, "signal" : "m2", "sleep": 20000, "run" : 30 }
	},
	"global" : { "duration" : 2, "calibration" : "CPU0" }
}
EOF
cat > "$tmp/expected.yaml" <<'EOF'
# Imported from small.json by vcpulab import-rtapp (docs/programs.md): rt-app's
# threads as the task groups of one `program` workload.
scheduler: credit
host: {pcpus: 2}
vms:
  - name: rtapp
    vcpus: 2
    workloads:
      - type: program
        name: small
        tasks:
          - name: worker
            count: 2
            do:
              - loop: forever
                do:
                  - compute: 1000us
                  - lock: m
                  - compute: 200us
                  - unlock: m
                  - barrier: b
                  - sleep: 500us
          - name: periodic
            do:
              - sleep: 1000us
              - loop: forever
                do:
                  - loop: 5
                    do:
                      - compute: 100us
                      - timer: 1000us
                  - compute: 300us
                  - wait: periodic
                  - timer: 5000us
          - name: waker
            do:
              - loop: 10
                do:
                  - sleep: 3000us
                  - wake: periodic
                  - wake: s
          - name: waiter
            do:
              - loop: forever
                do:
                  - wait: s
                  - compute: 50us
                  - lock: m2
                  - unlock: m2
                  - wait: m2.cond
                  - lock: m2
                  - unlock: m2
          - name: signaler
            do:
              - loop: forever
                do:
                  - compute: 20us
                  - wake: m2.cond
                  - sleep: 20000us
                  - compute: 30us
run: {duration: 2s}
EOF
cat > "$tmp/notes.expected" <<'EOF'
small.json:30:31: 'calibration' (global) is not used by the model: skipped
small.json:13:4: 'yield' is not supported: skipped
small.json:17:4: 'cpus' has no counterpart in the model: skipped
small.json:22:29: timer 'other': a task has one release stream, which the timer of 20:29 began: its period changes to this one
vcpulab: import-rtapp: 3 keys of small.json left out (above)
EOF
cd "$tmp"
echo old > out.yaml
"$bin" import-rtapp small.json --vcpus 2 --sched credit -o out.yaml 2> notes ||
  { echo "FAIL: import-rtapp exit $?"; fail=1; }
cmp -s out.yaml expected.yaml || { echo "FAIL: the scenario differs:"; diff expected.yaml out.yaml; fail=1; }
cmp -s notes notes.expected || { echo "FAIL: the notes differ:"; diff notes.expected notes; fail=1; }
# standard output by default, the same text
"$bin" import-rtapp small.json --vcpus 2 --sched credit 2>/dev/null | cmp -s - expected.yaml ||
  { echo "FAIL: standard output differs from -o's file"; fail=1; }
"$bin" run out.yaml --duration 500ms --quiet --json run.json || { echo "FAIL: the import does not run"; fail=1; }
grep -q '"name": "b",' run.json || { echo "FAIL: no barrier b in the run's config"; fail=1; }

# a directory is refused; a file that is not JSON, or whose program passes
# the model's limits, writes nothing (the old file stays)
mkdir dir
"$bin" import-rtapp small.json -o dir 2>err; rc=$?
[ $rc -eq 2 ] && grep -q "is a directory" err || { echo "FAIL: -o DIR: exit $rc: $(cat err)"; fail=1; }
echo old > kept.yaml
printf '{ "tasks" : { "t" : { "run" : 10 } }\n' > cut.json
"$bin" import-rtapp cut.json -o kept.yaml 2>err; rc=$?
[ $rc -eq 2 ] && grep -q "^vcpulab: cut.json:2:1: YAML syntax error" err ||
  { echo "FAIL: a cut file: exit $rc: $(cat err)"; fail=1; }
{ printf '{ "tasks" : { "t" : {'; for i in $(seq 40); do printf '"run%d" : %d, ' $i $i; done
  printf '"sleep" : 1 } } }\n'; } > long.json
"$bin" import-rtapp long.json -o kept.yaml 2>err; rc=$?
[ $rc -eq 2 ] && grep -q "the scenario made of it does not load: .*passes 24 distributions" err ||
  { echo "FAIL: a program past the limits: exit $rc: $(cat err)"; fail=1; }
[ "$(cat kept.yaml)" = old ] || { echo "FAIL: a failed import replaced the output"; fail=1; }
printf '{ "tasks" : { "t" : { "run" : "x" } } }\n' > bad.json
"$bin" import-rtapp bad.json 2>err >/dev/null; rc=$?
[ $rc -eq 2 ] && grep -q "bad.json:1:31: tasks.t.run: expected an integer" err ||
  { echo "FAIL: a bad duration: exit $rc: $(cat err)"; fail=1; }
"$bin" import-rtapp small.json --sched nosuch >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || { echo "FAIL: --sched nosuch: exit $rc"; fail=1; }
exit $fail
