# sweep_kill.sh - sourced by tests/cli/ scripts: kill_a_worker PID waits
# (up to 30 s) for sweep PID to start a worker process, SIGKILLs one, and
# waits for the sweep: its exit status is the sweep's.
kill_a_worker() {
  local pid=$1 kids= i k
  for i in $(seq 600); do
    kids=$(ps -o pid= --ppid "$pid")
    [ -n "$kids" ] && break
    sleep 0.05
  done
  for k in $kids; do kill -KILL "$k"; break; done
  wait "$pid"
}
