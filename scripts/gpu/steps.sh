# Sourced by check.sh and speed.sh: `run SECONDS NAME CMD...` runs one time-boxed step, its
# stdout and stderr in $out/NAME.out and .err, its exit status and time in $out/$log_file.
log() { echo "[$(date +%T)] $*" | tee -a "$out/$log_file"; }
run() { local t=$1 name=$2; shift 2; log "$name"; local s=$(date +%s%N)
  timeout "$t" "$@" >"$out/$name.out" 2>"$out/$name.err"; local rc=$?
  log "$name rc=$rc $(( ($(date +%s%N) - s) / 1000000 )) ms"; }
