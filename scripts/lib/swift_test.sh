# Sourced by scripts/test: `swift test` under a watchdog.
#
# swift test reads the test process's output until every holder of that pipe has closed it, so a
# process a test started and left running (it inherits the pipe) keeps swift test waiting after the
# tests have ended, for as long as it lives. The watchdog names such processes and ends them (the
# run then fails: a test left a process behind). A run past CONGVU_TEST_LIMIT seconds (default
# 1800; the suite takes about 8 minutes) is stopped with every thread's stack of the test process
# printed: a CI run once spent its 90 minutes in a test that never ended, with nothing to say where.
# Output is line-buffered, so what a stopped run printed last is what it did last.
run_swift_test() {
  local limit=${CONGVU_TEST_LIMIT:-1800} started=$SECONDS gone=0 leaked=0 pid holders t
  stdbuf -oL -eL swift test --skip-build "$@" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    # The test process, until it has exited (swift test reaps it only once its output has ended).
    if ps -o stat= --ppid "$pid" | grep -qv '^Z'; then gone=0; else gone=$((gone + 5)); fi
    if [ "$gone" -ge 20 ]; then
      holders=$(output_holders "$pid")
      if [ -n "$holders" ]; then
        echo "The test process has ended, but processes the tests started still hold its output (swift test waits for them):" >&2
        ps -o pid,ppid,etime,args -p "$(echo $holders | tr ' ' ,)" >&2 || true
        kill -9 $holders 2>/dev/null || true
        leaked=1
      fi
      gone=0
    fi
    if [ $((SECONDS - started)) -ge "$limit" ]; then
      echo "swift test ran past $limit s: stopped. The test process's threads and the processes it started:" >&2
      for t in $(pgrep -P "$pid"); do
        ps -o pid,etime,args --ppid "$t" >&2 || true
        if command -v gdb >/dev/null; then
          gdb -p "$t" -batch -ex "thread apply all bt" 2>/dev/null | grep -E "^Thread|^#" >&2 || true
        fi
        pkill -9 -P "$t" || true
        kill -9 "$t" 2>/dev/null || true
      done
      kill -9 "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      return 1
    fi
  done
  wait "$pid" || return
  [ "$leaked" = 0 ]
}

# The processes other than $1 holding a pipe $1 reads (the output of the processes it started).
output_holders() {
  local pid=$1 pipes="" f n target flags p
  for f in /proc/"$pid"/fd/*; do
    n=${f##*/} target=$(readlink "$f" 2>/dev/null) || continue
    [ "$n" -gt 2 ] && [ "${target#pipe:}" != "$target" ] || continue
    flags=$(awk '/^flags/ { print $2 }' /proc/"$pid"/fdinfo/"$n" 2>/dev/null) || continue
    [ -n "$flags" ] && [ $((8#$flags & 3)) -eq 0 ] || continue # its read ends only
    pipes="$pipes$target"$'\n'
  done
  [ -n "$pipes" ] || return 0
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "$pid" ] && continue
    for f in "$p"/fd/*; do readlink "$f"; done 2>/dev/null | grep -qxF "${pipes%$'\n'}" && echo "${p#/proc/}"
  done
  return 0
}
