#!/bin/bash
# lockprof.sh - which kernel locks a command contends on.
# Usage: scripts/calibrate/lockprof.sh CMD [ARGS...]
# Uses `perf lock record -a` (lock:contention_begin/end tracepoints, present on
# kernels >= 5.19 without LOCK_STAT) and prints the top contended callers plus
# a rough roll-up into vcpulab lock classes by caller-symbol pattern:
#   zone (page allocator), lru, dentry (d_lock/lockref), mm (mmap_lock, page
#   table lock), runqueue (rq->lock / wakeups), futex_hash, socket, slab,
#   tasklist/fork (tasklist_lock rwlock, fork/exit/wait), timer, other.
# The mapping is by the *caller* symbol perf reports, so it is approximate.
# System-wide: run on an otherwise idle machine.  Needs root + linux-perf.
set -u
[ $# -ge 1 ] || { sed -n '2,10p' "$0"; exit 2; }
D=$(mktemp -d /tmp/lockprof.XXXXXX)
( cd "$D" && perf lock record -a -o "$D/perf.data" -- "$@" > "$D/cmd.out" 2>&1 )
perf lock contention -i "$D/perf.data" -E 12 2>&1 | sed 's/^/  /'
printf "  %-16s %10s %8s %12s\n" class contended share wait_us
perf lock contention -i "$D/perf.data" -E 400 2>&1 | awk '
  $1 ~ /^[0-9]+$/ {
    n=$1; w=$2; u=$3; if(u=="ms") w*=1000; else if(u=="s") w*=1e6; else if(u=="ns") w/=1000;
    c=$NF; cls="other"
    if (c ~ /rmqueue|free_pcppages|free_one_page|__free_pages|get_page_from_freelist|free_unref|zone/) cls="zone"
    else if (c ~ /lru|lruvec|folio_batch|pagevec|release_pages|folio_add_lru|isolate|page_cache_release|mlock_folio/) cls="lru"
    else if (c ~ /kernel_wait4|do_sys_clone|kernel_clone|copy_process|exit_notify|release_task|do_exit|wait_task|forget_original_parent|entry_SYSCALL/) cls="tasklist/fork"
    else if (c ~ /call_timer_fn|hrtimer|timer/) cls="timer"
    else if (c ~ /d_alloc|dput|d_lookup|lockref|dentry|__d_|d_add|d_instantiate|dcache|path_|lookup_|unlazy|legitimize/) cls="dentry"
    else if (c ~ /futex/) cls="futex_hash"
    else if (c ~ /mmap|vma|mm_|page_vma|pte|pmd|anon_vma|do_wp_page|handle_mm_fault|do_anonymous|unmap|do_user_addr_fault|fault/) cls="mm"
    else if (c ~ /try_to_wake_up|wake_up_new_task|schedule|sched|exit_to_user_mode_loop|ttwu|rq_|load_balance|newidle|finish_task_switch|autoremove_wake|wake_up|pollwake|__wake/) cls="runqueue/waitq"
    else if (c ~ /unix_|sock_|tcp_|udp_|skb|sk_|inet|release_sock|__netif|net_rx|dev_|lock_sock/) cls="socket"
    else if (c ~ /slab|kmem_cache|kfree|kmalloc/) cls="slab"
    else if (c ~ /inode|ext4|xfs|jbd2|filemap|writeback|file_|fs_|mnt|mount|vfs/) cls="fs/inode/mount"
    cnt[cls]+=n; wt[cls]+=w; tot+=n; totw+=w }
  END { for (k in cnt) printf "  %-16s %10d %7.1f%% %12.0f\n", k, cnt[k], 100*cnt[k]/(tot?tot:1), wt[k] }' | sort -k2 -nr
rm -rf "$D"
