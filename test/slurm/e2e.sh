#!/usr/bin/env bash
# e2e.sh — `selfprop reproduce … --slurm FILE --shards 2 --submit` on a real (local, one-node)
# Slurm cluster, checked against the same sweep run locally.
#
#   1. install and start the cluster (local-slurm.sh; skip when it cannot run here)
#   2. a tiny reproduce (snn-mnist, 1 seed, 2 epochs: 3 cells) as a 2-task job array plus the
#      report job (afterok), submitted by selfprop itself
#   3. meanwhile the same sweep locally into another folder
#   4. checks: every task and the report job COMPLETED; task 0 ran shard 1/2 (2 cells), task 1
#      shard 2/2 (1 cell) — the shard from SLURM_ARRAY_TASK_ID − _MIN + 1; each cell ran once;
#      the report job waited on its dependency and started after the last task ended; every
#      cell's metrics.jsonl (all but the time and memory fields) and report.md (all but its time
#      and memory columns) equal the local run's
#   5. stop the daemons (trap, whatever happened)
#
# Usage: bash test/slurm/e2e.sh          (from anywhere; needs the built CLI: npm run build)
# Env:   SELFPROP_E2E_CLI  the CLI to test (default: this checkout's dist/src/cli/main.js)
#        SELFPROP_E2E_TIMEOUT  seconds the jobs may take (default 240)
#        SELFPROP_E2E_KEEP=1   keep the work folder even when the test passes
# Exit:  0 passed, or skipped with one line "slurm e2e: skipped (…)" when Slurm cannot be
#        installed or started here (local-slurm.sh exit 3); 1 a check failed (work folder and
#        Slurm logs are kept and named).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LS="$HERE/local-slurm.sh"
CLI=${SELFPROP_E2E_CLI:-$REPO/dist/src/cli/main.js}
TIMEOUT_S=${SELFPROP_E2E_TIMEOUT:-240}
SWEEP=(reproduce --sets snn-mnist --seeds 1 --epochs 2)
T0=$SECONDS

log() { echo "slurm e2e: $*" >&2; }
fail() { echo "slurm e2e: FAIL: $*" >&2; exit 1; }
skip() { echo "slurm e2e: skipped ($*)"; exit 0; }

[ -f "$CLI" ] || fail "no built CLI at $CLI (run npm run build)"
NODE=$(command -v node) || fail "node is not on PATH"

STATE=$(mktemp -d /tmp/selfprop-e2e-state.XXXXXX)
WORK=$(mktemp -d /tmp/selfprop-e2e-work.XXXXXX)   # the "shared file system" of the jobs
chmod 0755 "$WORK"
STARTED=0
OK=0
LOCAL_PID=""

cleanup() {
  local rc=$?
  set +e
  [ -n "$LOCAL_PID" ] && kill "$LOCAL_PID" 2>/dev/null && wait "$LOCAL_PID" 2>/dev/null
  if [ $STARTED = 1 ]; then bash "$LS" stop "$STATE" >/dev/null 2>&1 || log "local-slurm.sh stop failed"; fi
  if [ $OK = 1 ] && [ "${SELFPROP_E2E_KEEP:-0}" != 1 ]; then
    rm -rf "$WORK" "$STATE"
  elif [ $OK = 0 ]; then
    log "kept the work folder $WORK (logs in $WORK/slurm-out/slurm) and the Slurm state and logs in $STATE/log"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. install and start ---------------------------------------------------------------
rc=0
MSG=$(bash "$LS" install 2>&1) || rc=$?
if [ $rc = 3 ]; then OK=2; rm -rf "$WORK" "$STATE"; skip "$(tail -n 1 <<<"$MSG" | sed 's/^local-slurm: //')"; fi
[ $rc = 0 ] || fail "local-slurm.sh install exited $rc: $(tail -n 1 <<<"$MSG")"
STARTED=1
rc=0
ENV_LINES=$(bash "$LS" start "$STATE" 2>"$WORK/start.err") || rc=$?
if [ $rc = 3 ]; then
  # start stops whatever it got running before it exits 3
  STARTED=0 OK=2 WHY=$(tail -n 1 "$WORK/start.err" | sed 's/^local-slurm: //')
  rm -rf "$WORK" "$STATE"
  skip "$WHY"
fi
[ $rc = 0 ] || fail "local-slurm.sh start exited $rc: $(tail -n 1 "$WORK/start.err")"
eval "$ENV_LINES"   # export SLURM_CONF=…
log "[$((SECONDS - T0))s] cluster up: $(sinfo -V)"

# --- 2. submit through selfprop ----------------------------------------------------------
cd "$WORK"
"$NODE" "$CLI" "${SWEEP[@]}" --out "$WORK/slurm-out" --slurm "$WORK/sweep.sbatch" --shards 2 --submit >submit.log 2>&1 ||
  fail "selfprop --slurm --submit exited $?: $(tail -n 3 submit.log | tr '\n' ' ')"
read -r ARRAY_ID REPORT_ID < <(sed -n 's/^submitted: job array \([0-9]*\) .*report job \([0-9]*\) .*/\1 \2/p' submit.log) || true
[ -n "${ARRAY_ID:-}" ] && [ -n "${REPORT_ID:-}" ] || fail "no job ids in selfprop's output: $(tr '\n' ' ' <submit.log)"
grep -q '^#SBATCH --array=0-1$' sweep.sbatch || fail "sweep.sbatch has no --array=0-1 line"
grep -q -- '--shard auto --no-report$' sweep.sbatch || fail "sweep.sbatch does not run --shard auto --no-report"
REASON=$(squeue -h -j "$REPORT_ID" -o '%r' 2>/dev/null || true)
[ "$REASON" = Dependency ] || fail "report job $REPORT_ID should wait on its Dependency right after submission; squeue says '$REASON'"
log "[$((SECONDS - T0))s] submitted: job array $ARRAY_ID, report job $REPORT_ID (pending: $REASON)"

# --- 3. the same sweep locally, meanwhile -------------------------------------------------
"$NODE" "$CLI" "${SWEEP[@]}" --out "$WORK/local-out" >local.log 2>&1 &
LOCAL_PID=$!

# --- 4. wait --------------------------------------------------------------------------------
# States of a job (every task of an array) from `scontrol show job -o` (no accounting DB here).
field() { grep -o "$2=[^ ]*" <<<"$1" | cut -d= -f2; }
job_states() { field "$(scontrol show job -o "$1" 2>/dev/null)" JobState | sort | uniq -c | awk '{printf "%s%s×%s", sep, $2, $1; sep=","}'; }
is_final() {
  local s any=""
  for s in $(field "$(scontrol show job -o "$1" 2>/dev/null)" JobState); do
    any=1
    case $s in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | DEADLINE | BOOT_FAIL | PREEMPTED) ;; *) return 1 ;; esac
  done
  [ -n "$any" ]
}
wait_final() { # JOBID WHAT
  until is_final "$1"; do
    [ $((SECONDS - T0)) -lt "$TIMEOUT_S" ] || fail "$2 $1 not finished after ${TIMEOUT_S}s: $(job_states "$1")"
    sleep 0.5
  done
}
LOGS="$WORK/slurm-out/slurm"
wait_final "$ARRAY_ID" "job array"
ARRAY_STATES=$(job_states "$ARRAY_ID")
ARRAY_INFO=$(scontrol show job -o "$ARRAY_ID")   # before MinJobAge can drop it
log "[$((SECONDS - T0))s] job array $ARRAY_ID: $ARRAY_STATES"
[ "$ARRAY_STATES" = "COMPLETED×2" ] || fail "array tasks: $ARRAY_STATES (want COMPLETED×2); logs: $(cat "$LOGS"/shard-* 2>/dev/null | tail -n 5 | tr '\n' ' ')"
wait_final "$REPORT_ID" "report job"
REPORT_STATE=$(job_states "$REPORT_ID")
REPORT_INFO=$(scontrol show job -o "$REPORT_ID")
log "[$((SECONDS - T0))s] report job $REPORT_ID: $REPORT_STATE"
[ "$REPORT_STATE" = "COMPLETED×1" ] || fail "report job: $REPORT_STATE; log: $(cat "$LOGS"/report-* 2>/dev/null | tr '\n' ' ')"
wait "$LOCAL_PID" || fail "the local sweep exited $?: $(tail -n 3 local.log | tr '\n' ' ')"
LOCAL_PID=""
log "[$((SECONDS - T0))s] local sweep done"

# --- 5. checks --------------------------------------------------------------------------------
S0="$LOGS/shard-${ARRAY_ID}_0.out"
S1="$LOGS/shard-${ARRAY_ID}_1.out"
REPORT_LOG="$LOGS/report-$REPORT_ID.out"
for f in "$S0" "$S1" "$REPORT_LOG"; do [ -s "$f" ] || fail "no log $f (logs: $(ls "$LOGS" | tr '\n' ' '))"; done
grep -q 'shard 1/2: 2 cells' "$S0" || fail "array task 0 did not run shard 1/2 (2 cells): $(grep 'cells' "$S0" | head -n 1)"
grep -q 'shard 2/2: 1 cells' "$S1" || fail "array task 1 did not run shard 2/2 (1 cell): $(grep 'cells' "$S1" | head -n 1)"
grep -q '(3/3 cells finished)' "$REPORT_LOG" || fail "the report job did not report 3/3 cells: $(tr '\n' ' ' <"$REPORT_LOG")"
# each cell ran exactly once, in exactly one task
RUNS=$(cat "$S0" "$S1" | sed -n 's/^\[[0-9]*\/[0-9]*\] \([^:]*\): [0-9.]* % after.*/\1/p' | sort)
[ "$(uniq <<<"$RUNS" | wc -l)" = 3 ] && [ "$(wc -l <<<"$RUNS")" = 3 ] || fail "cells run by the tasks (want 3 distinct, once each): $(tr '\n' ' ' <<<"$RUNS")"
# the report job started once the last task had ended (scontrol times have 1 s resolution)
LAST_END=$(field "$ARRAY_INFO" EndTime | sort | tail -n 1)
REPORT_START=$(field "$REPORT_INFO" StartTime)
[ "$(date -d "$REPORT_START" +%s)" -ge "$(date -d "$LAST_END" +%s)" ] || fail "report job started at $REPORT_START, before the last array task ended ($LAST_END)"

# the numbers: metrics of every cell, and the report, equal the local run's
"$NODE" --input-type=module - "$WORK/slurm-out" "$WORK/local-out" >compare.log 2>&1 <<'EOF' || fail "$(tail -n 5 compare.log | tr '\n' ' ')"
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const [a, b] = process.argv.slice(2);
const TIMING = /seconds|rss|mib/i;
const strip = (v) => (Array.isArray(v) ? v.map(strip) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => !TIMING.test(k)).map(([k, x]) => [k, strip(x)])) : v);
const metrics = (root, id) => readFileSync(join(root, 'cells', id, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => strip(JSON.parse(l)));
const ids = readdirSync(join(a, 'cells')).sort();
const idsB = readdirSync(join(b, 'cells')).sort();
if (JSON.stringify(ids) !== JSON.stringify(idsB)) throw new Error(`cells differ: ${ids} vs ${idsB}`);
const accuracies = [];
for (const id of ids) {
  const [ma, mb] = [metrics(a, id), metrics(b, id)];
  if (ma.length !== 2) throw new Error(`${id}: ${ma.length} epochs in the Slurm run, want 2`);
  for (let e = 0; e < ma.length; e++) {
    const [x, y] = [JSON.stringify(ma[e]), JSON.stringify(mb[e])];
    if (x !== y) throw new Error(`${id} epoch ${e + 1}: metrics differ:\n slurm ${x}\n local ${y}`);
  }
  const last = ma[ma.length - 1];
  accuracies.push(`${id.replace(/^snn-mnist-|-seed1$/g, '')} ${(100 * last.trainAccuracy).toFixed(2)}/${(100 * last.testAccuracy).toFixed(2)}`);
}
// report.md without the columns that measure time or memory
const report = (root) => {
  let drop = [];
  return readFileSync(join(root, 'report.md'), 'utf8').split('\n').map((line) => {
    if (!line.startsWith('|')) return ((drop = []), line);
    const cols = line.split('|');
    if (drop.length === 0 && !/^\|[-|]+\|$/.test(line)) drop = cols.flatMap((c, i) => (/s \/ epoch|MiB|seconds|time/i.test(c) ? [i] : []));
    return cols.filter((_, i) => !drop.includes(i)).join('|');
  });
};
const [ra, rb] = [report(a), report(b)];
const diff = ra.findIndex((l, i) => l !== rb[i]);
if (diff >= 0 || ra.length !== rb.length) throw new Error(`report.md differs at line ${diff + 1}:\n slurm ${ra[diff]}\n local ${rb[diff]}`);
const rows = ra.filter((l) => l.startsWith('| ') && !l.startsWith('| claim') && !l.startsWith('| variant')).length;
console.log(`metrics of ${ids.length} cells × 2 epochs equal (train/test % after epoch 2: ${accuracies.join(', ')}); report.md equal (${ra.length} lines, ${rows} table rows, time and memory columns left out)`);
EOF
SUMMARY=$(tail -n 1 compare.log)
cd /
bash "$LS" stop "$STATE" >/dev/null 2>&1 || fail "local-slurm.sh stop failed"
STARTED=0
OK=1
echo "slurm e2e: OK in $((SECONDS - T0))s: job array ${ARRAY_ID} (tasks _0: shard 1/2, _1: shard 2/2) then report job ${REPORT_ID} (afterok); $SUMMARY"
