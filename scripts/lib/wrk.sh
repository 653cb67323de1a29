# Helpers for the wrk benchmarks (sourced): a free loopback port, and one wrk run as a table row.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run_wrk() { # label url [header] → "| label | req/s | p50 | p99 | errors |" (uses $duration, $connections or 16, $script if set)
  local c=${connections:-16}; local out args=(-t$(( c < 2 ? 1 : 2 )) -c"$c" -d"${duration}s" --latency)
  [ -n "${3:-}" ] && args+=(-H "$3")
  [ -n "${script:-}" ] && args+=(-s "$script")
  out=$(wrk "${args[@]}" "$2")
  local rps=$(awk '/Requests\/sec/ { printf "%d", $2 }' <<<"$out")
  local p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  local p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  local errors=$(awk '/Non-2xx|Socket errors/ { print }' <<<"$out" | tr '\n' ' ')
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$rps" "$p50" "$p99" "${errors:-none}"
}
