#!/bin/bash
# measure.sh - sample kernel scheduling/IPI counters around one command.
#
# Usage:  scripts/calibrate/measure.sh [-l LABEL] [-o RESULTS.tsv] CMD [ARGS...]
#
# Samples before/after the command (system-wide, so run on an idle machine):
#   /proc/interrupts  RES, CAL, TLB rows, per CPU (deltas)
#   /proc/stat        ctxt, and cpu user/sys/irq+softirq/idle+iowait/steal jiffies
#   /proc/pressure/cpu  "some" stall time (runnable-but-waiting time, all tasks)
# and for the command's own process tree (put in a cgroup-v1 cpuacct group):
#   cpuacct.stat      user / system time of every descendant (=> kernel share)
#   GNU time rusage   voluntary (blocking) / involuntary (preemption) ctx switches
#   /proc/<tid>/schedstat + /proc/<tid>/stat, polled every POLL s (default 0.2)
#                     for every thread in the group: on-CPU ns, run-queue wait ns,
#                     timeslices, utime/stime (threads that live < POLL are missed)
# wall = the command's elapsed time (GNU time, 10 ms resolution); the /proc
# snapshots bracket it within ~50 ms.  Per-second = delta / wall; per-CPU-second = delta / (wall * ncpu);
# per-busy-second = delta / (CPU seconds consumed by the command's tree).
#
# MEASURE_PERF=1 additionally wraps the run in `perf stat -a` counting tracepoints
# (futex calls, syscalls, sched switches/wakeups, remote TLB-flush sends, IPI sends,
# lock contention events, block requests).  Needs root + linux-perf + tracefs.
# Output: human-readable block on stdout; with -o, one TSV row appended.
set -u
LABEL=""; OUT=""
while getopts "l:o:" o; do case $o in l) LABEL=$OPTARG;; o) OUT=$OPTARG;; *) exit 2;; esac; done
shift $((OPTIND-1))
[ $# -ge 1 ] || { sed -n '2,25p' "$0"; exit 2; }
[ -n "$LABEL" ] || LABEL="$*"
POLL=${POLL:-0.2}
NCPU=$(nproc)
HZ=$(getconf CLK_TCK)
TMP=$(mktemp -d /tmp/measure.XXXXXX)
CG=/sys/fs/cgroup/cpuacct/measure_$$
mkdir -p "$CG" 2>/dev/null || CG=""

snap() { # -> prints key value lines
  awk -v n="$NCPU" '
    /^ *(RES|CAL|TLB):/ { k=$1; sub(":","",k); for(i=0;i<n;i++) print k"_cpu"i, $(i+2) }' /proc/interrupts
  awk '/^ctxt/ {print "ctxt", $2}
       /^cpu /  {print "j_user", $2+$3; print "j_sys", $4; print "j_irq", $7+$8;
                 print "j_idle", $5+$6; print "j_steal", $9}' /proc/stat
  awk '/^some/ {split($5,a,"="); print "psi_some_us", a[2]}' /proc/pressure/cpu 2>/dev/null
  echo "t_ns $(date +%s%N)"
}
PERF=()
if [ "${MEASURE_PERF:-0}" = 1 ]; then
  # per-task tracepoint counts (inherited by all descendants, *not* system-wide):
  # events are charged to the task in whose context they fire, i.e. the sender
  # side of IPIs / TLB shootdowns / wakeups.  Immune to foreign load on the box.
  EV="-e syscalls:sys_enter_futex -e raw_syscalls:sys_enter -e sched:sched_switch"
  EV="$EV -e sched:sched_wakeup -e sched:sched_migrate_task -e ipi:ipi_send_cpu"
  EV="$EV -e csd:csd_queue_cpu -e tlb:tlb_flush --filter reason==4" # 4 = TLB_REMOTE_SEND_IPI
  EV="$EV -e lock:contention_begin -e block:block_rq_issue -e syscalls:sys_enter_munmap"
  EV="$EV -e syscalls:sys_enter_madvise -e syscalls:sys_enter_mprotect -e net:net_dev_xmit"
  PERF=(perf stat -x, -o "$TMP/perf" $EV --)
fi
trap '[ -n "$CG" ] && rmdir "$CG" 2>/dev/null' EXIT
snap > "$TMP/before"

# child: join cgroup, then exec GNU time on the command
"${PERF[@]}" sh -c '[ -n "$1" ] && echo $$ > "$1/cgroup.procs"; shift; exec /usr/bin/time -o "$0" -f "%e %U %S %w %c %F %R" "$@"' \
   "$TMP/time" "$CG" "$@" &
PID=$!

declare -A RUN WAIT SL UT ST
RUN[none]=0; WAIT[none]=0; SL[none]=0; UT[none]=0; ST[none]=0   # never empty (set -u)
MAXT=0
it=0; NSTEP=$(awk -v p="$POLL" 'BEGIN{n=int(p/0.05+0.5); print (n<1)?1:n}')
while kill -0 $PID 2>/dev/null; do
  if [ -n "$CG" ] && [ $((it % NSTEP)) -eq 0 ]; then
    n=0
    while read -r tid; do
      n=$((n+1))
      if read -r r w s 2>/dev/null < /proc/$tid/schedstat; then RUN[$tid]=$r; WAIT[$tid]=$w; SL[$tid]=$s; fi
      if read -r st 2>/dev/null < /proc/$tid/stat; then
        st=${st##*) }; set -- $st; UT[$tid]=${12}; ST[$tid]=${13}; fi
    done < "$CG/tasks"
    [ $n -gt $MAXT ] && MAXT=$n
  fi
  it=$((it+1)); sleep 0.05
done
wait $PID; RC=$?
snap > "$TMP/after"

CGU=0; CGS=0
if [ -n "$CG" ]; then
  read -r _ CGU < <(grep user "$CG/cpuacct.stat"); read -r _ CGS < <(grep system "$CG/cpuacct.stat")
  rmdir "$CG" 2>/dev/null
fi
sr=0; sw=0; ss=0; su=0; sst=0
for t in "${!RUN[@]}"; do sr=$((sr+RUN[$t])); sw=$((sw+WAIT[$t])); ss=$((ss+SL[$t])); su=$((su+UT[$t])); sst=$((sst+ST[$t])); done
read -r TW TU TS VCS ICS MAJ MIN < "$TMP/time" 2>/dev/null || { TW=0; TU=0; TS=0; VCS=0; ICS=0; MAJ=0; MIN=0; }
# last line of GNU time output holds the numbers (it may prepend "Command exited...")
read -r TW TU TS VCS ICS MAJ MIN < <(tail -1 "$TMP/time")

[ "${MEASURE_PERF:-0}" = 1 ] && awk -F, '!/^#/ && NF>2 {gsub(/^[a-z_]+:/,"",$3); if ($3=="tlb_flush") $3="tlb_remote_send"; print "perf_"$3, $1}' "$TMP/perf" > "$TMP/perfkv"
touch "$TMP/perfkv"

awk -v label="$LABEL" -v ncpu="$NCPU" -v hz="$HZ" -v rc="$RC" -v cgu="$CGU" -v cgs="$CGS" \
    -v sr="$sr" -v sw="$sw" -v ss="$ss" -v su="$su" -v sst="$sst" -v nthr="$(( ${#RUN[@]} - 1 ))" -v maxt="$MAXT" \
    -v tw="$TW" -v tu="$TU" -v ts="$TS" -v vcs="$VCS" -v ics="$ICS" -v minflt="$MIN" -v out="$OUT" '
  FILENAME ~ /before$/ {b[$1]=$2; next}
  FILENAME ~ /after$/  {a[$1]=$2; next}
  {p[$1]=$2}
  END {
    win=(a["t_ns"]-b["t_ns"])/1e9; wall=(tw>0)?tw:win; if (wall<=0) wall=1e-9
    cpu_s=(cgu+cgs)/hz; if (cpu_s==0) cpu_s=tu+ts
    ks = (cgu+cgs)>0 ? cgs/(cgu+cgs) : ((tu+ts)>0 ? ts/(tu+ts) : 0)
    printf "== %s  (exit %d)\n", label, rc
    printf "(sampling window %.3f s; rates use the command'"'"'s own elapsed time)\n", win
    printf "wall %.3f s   ncpu %d   tree cpu %.3f s (user %.3f sys %.3f)  util %.2f CPUs  kernel share %.3f\n", wall, ncpu, cpu_s, cgu/hz, cgs/hz, cpu_s/wall, ks
    tj=0; split("j_user j_sys j_irq j_idle j_steal",J," "); for(i in J) tj+=a[J[i]]-b[J[i]]
    busy=(tj-(a["j_idle"]-b["j_idle"]))/hz; foreign=busy-cpu_s
    printf "system busy %.2f CPU-s; not from this command (other load + this script) %.2f CPU-s = %.2f CPUs\n", busy, foreign, foreign/wall
    printf "system cpu%%: user %.1f sys %.1f irq %.1f idle %.1f steal %.1f\n", 100*(a["j_user"]-b["j_user"])/tj, 100*(a["j_sys"]-b["j_sys"])/tj, 100*(a["j_irq"]-b["j_irq"])/tj, 100*(a["j_idle"]-b["j_idle"])/tj, 100*(a["j_steal"]-b["j_steal"])/tj
    printf "%-16s %12s %12s %12s %12s   per-cpu deltas\n", "counter", "total", "per_s", "per_cpu_s", "per_busy_s"
    n=split("RES CAL TLB",K," ")
    for (i=1;i<=n;i++) { k=K[i]; t=0; pc=""
      for(c=0;c<ncpu;c++){ d=a[k"_cpu"c]-b[k"_cpu"c]; t+=d; pc=pc" "d }
      v[k]=t; printf "%-16s %12d %12.1f %12.1f %12.1f  %s\n", k, t, t/wall, t/wall/ncpu, t/cpu_s, pc }
    v["ctxt"]=a["ctxt"]-b["ctxt"]; v["vol_cs"]=vcs; v["invol_cs"]=ics; v["minflt"]=minflt
    m=split("ctxt vol_cs invol_cs minflt",K2," ")
    for (i=1;i<=m;i++) { k=K2[i]; printf "%-16s %12d %12.1f %12.1f %12.1f\n", k, v[k], v[k]/wall, v[k]/wall/ncpu, v[k]/cpu_s }
    for (k in p) { printf "%-16s %12d %12.1f %12.1f %12.1f\n", substr(k,6), p[k], p[k]/wall, p[k]/wall/ncpu, p[k]/cpu_s }
    psi=(a["psi_some_us"]-b["psi_some_us"])/1e6
    printf "threads seen %d (max concurrent %d); schedstat: oncpu %.3f s, runq-wait %.3f s, slices %d (%.1f/s); thread utime %.2f stime %.2f s\n", nthr, maxt, sr/1e9, sw/1e9, ss, ss/wall, su/hz, sst/hz
    printf "psi cpu some (any task runnable-waiting) %.3f s = %.1f%% of wall\n", psi, 100*psi/wall
    if (out!="") {
      hdr="label\twall_s\tcpu_s\tutil\tkshare\tRES_s\tCAL_s\tTLB_s\tctxt_s\tvolcs_s\tinvolcs_s\tminflt_s\trunq_wait_s\tslices_s\tpsi_frac\tforeign_cpus"
      line=sprintf("%s\t%.3f\t%.3f\t%.2f\t%.3f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.3f\t%.1f\t%.3f\t%.2f", label, wall, cpu_s, cpu_s/wall, ks, v["RES"]/wall, v["CAL"]/wall, v["TLB"]/wall, v["ctxt"]/wall, vcs/wall, ics/wall, minflt/wall, sw/1e9, ss/wall, psi/wall, foreign/wall)
      if ((getline x < out) <= 0) print hdr > out
      print line >> out }
  }' "$TMP/before" "$TMP/after" "$TMP/perfkv"
rm -rf "$TMP"
exit $RC
