#!/usr/bin/env bash
# Records a small real trace.dat from a private tracefs instance (root, writable tracefs):
# sched_switch, sched_wakeup, sched_waking, sched_migrate_task and every kvm event this kernel
# offers, around a short workload; then `trace-cmd extract` writes it (v7, zstd where the
# trace-cmd build has it) and the instance is removed. /proc/kallsyms is replaced by a
# one-line file in a private mount namespace so that the file stays small.
#   scripts/record-tracedat.sh OUT.dat [seconds]
#   HEAVY=1 scripts/record-tracedat.sh OUT.dat   a large trace for the benchmark: raw_syscalls
#                                                 too, 256 MB per CPU, a syscall-bound workload
set -euo pipefail
out=$(realpath -m "$1")
seconds=${2:-0.3}
tracefs=/sys/kernel/tracing
[ -w "$tracefs/instances" ] || mount -t tracefs nodev "$tracefs" 2>/dev/null || true
if [ ! -w "$tracefs/instances" ]; then echo "record-tracedat: $tracefs/instances is not writable (needs root and tracefs)" >&2; exit 77; fi
name="kvmspin_$$"
inst="$tracefs/instances/$name"
cleanup() { [ -d "$inst" ] && rmdir "$inst" 2>/dev/null || true; }
trap cleanup EXIT
mkdir "$inst" 2>/dev/null || { echo "record-tracedat: cannot create $inst (tracefs not writable here)" >&2; exit 77; }
for e in sched/sched_switch sched/sched_wakeup sched/sched_waking sched/sched_migrate_task kvm; do
  [ -e "$inst/events/$e/enable" ] && echo 1 > "$inst/events/$e/enable"
done
if [ -n "${HEAVY:-}" ]; then
  echo 262144 > "$inst/buffer_size_kb"
  echo 1 > "$inst/events/raw_syscalls/enable"
fi
echo 1 > "$inst/tracing_on"
# Workload: short CPU bursts and sleeps on every CPU, so there are switches, wakeups and migrations.
end=$(( $(date +%s%N) + $(awk "BEGIN { printf \"%d\", $seconds * 1e9 }") ))
for _ in $(seq 1 $(( $(nproc) * 2 ))); do
  ( while [ "$(date +%s%N)" -lt "$end" ]; do : $(( RANDOM * RANDOM )); sleep 0.002; done ) &
done
if [ -n "${HEAVY:-}" ]; then
  for _ in $(seq 1 "$(nproc)"); do dd if=/dev/zero of=/dev/null bs=1 count=600000 2>/dev/null & done
fi
wait
echo 0 > "$inst/tracing_on"
small=$(mktemp)
echo "ffffffff81000000 T _stext" > "$small"
cd "$(dirname "$out")"
if ! unshare -m sh -c "mount --bind '$small' /proc/kallsyms && trace-cmd extract -B '$name' -o '$out'" >/dev/null 2>&1; then
  # No private mount namespace here: the file just carries the full kallsyms.
  trace-cmd extract -B "$name" -o "$out" >/dev/null 2>&1 || { echo "record-tracedat: trace-cmd extract failed" >&2; rm -f "$small"; exit 77; }
fi
rm -f "$small"
echo "$out"
