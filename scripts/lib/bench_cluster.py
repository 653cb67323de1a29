#!/usr/bin/env python3
"""Issue 25's benchmark: Congvu nodes on one PostgreSQL, release build, on this machine's cores.

1. Fan-out node to node under load: a leader's live board (server-sent events) held on node A,
   punches taken by node B's API one every 250 ms, while wrk reads the API of both nodes; the time
   from sending each punch to its board event, p50 and p99. The floor, in the same run and load:
   the board held on B itself (the change goes to the board in B's process, no NOTIFY).
   Both include the board's 150 ms coalescing and its rebuild.
2. Requests per second of a read route (`GET /api/v1/people?limit=20`, token) with wrk: straight to
   one node (the floor), through HAProxy to that node, and through HAProxy to two nodes.
Prints markdown tables for docs/PERFORMANCE.md.
"""
import argparse, os, re, shutil, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Cluster"))
from check import Board, Client, free_port, latencies, psql  # noqa: E402  (the cluster check's helpers)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def wrk(url, token, seconds, connections=32):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {token}", url],
                         capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"\s50%\s+(\S+)", out).group(1)
    p99 = re.search(r"\s99%\s+(\S+)", out).group(1)
    errors = "none" if not re.search(r"Non-2xx|Socket errors", out) else " ".join(re.findall(r"(?:Non-2xx.*|Socket errors.*)", out))
    return rps, p50, p99, errors


def fanout(board_client, sender, people, unit, count, prefix):
    """Milliseconds from each punch sent to its event on a board opened with `board_client`."""
    board = Board(board_client, f"/board/events?unit={unit}")
    board.start()
    if board.next_after(0, 10) is None:
        raise SystemExit("the board did not open")
    return [x * 1000 for x in latencies(board, sender, people, prefix, times=count, gap=0.25) if x is not None]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--pg-url", required=True)
    ap.add_argument("--punches", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=10)
    args = ap.parse_args()
    db = args.pg_url.replace("/postgres?", "/bench_cluster?")
    psql(args.pg_url, "DROP DATABASE IF EXISTS bench_cluster")
    psql(args.pg_url, "CREATE DATABASE bench_cluster")
    work = tempfile.mkdtemp(prefix="congvu-bench-cluster-")
    procs, nodes = {}, {}
    try:
        env = dict(os.environ, DATABASE_URL=db, CONGVU_CAMERAS="false", CONGVU_LOG_LEVEL="error")
        subprocess.run([args.binary, "demo", "--data-dir", f"{work}/a"], env=env, check=True, capture_output=True)
        for name in ("a", "b"):
            os.makedirs(f"{work}/{name}", exist_ok=True)
            if name != "a":
                shutil.copy(f"{work}/a/secret.key", f"{work}/{name}/secret.key")
            port = free_port()
            procs[name] = subprocess.Popen([args.binary, "serve", "--hostname", "127.0.0.1", "--port", str(port), "--data-dir", f"{work}/{name}"],
                                           env=dict(env, CONGVU_NODE_NAME=f"node-{name}", CONGVU_NODE_ROLES="web",
                                                    CONGVU_TRUSTED_PROXIES="127.0.0.1"),
                                           stdout=open(f"{work}/{name}.log", "w"), stderr=subprocess.STDOUT)
            nodes[name] = f"http://127.0.0.1:{port}"
        for base in nodes.values():
            for _ in range(150):
                if Client(base).request("GET", "/healthz")[0] == 200:
                    break
                time.sleep(0.2)
        def token_of(user):
            return re.search(r"cv_[A-Za-z0-9_-]+", subprocess.run(
                [args.binary, "user", "token", "--username", user, "--name", "bench", "--data-dir", f"{work}/a"],
                env=env, check=True, capture_output=True, text=True).stdout).group(0)
        token = token_of("admin")
        api = {n: Client(nodes[n], token=token) for n in nodes}
        commune = next(u for u in api["a"].json("/api/v1/units?q=14551")["items"] if u["code"] == "14551")
        # The commune's own people: each punch changes the board held on it.
        people = [p["id"] for p in Client(nodes["a"], token=token_of("chutich.giahung")).json("/api/v1/people?limit=200")["items"]]

        # 1. Fan-out under load.
        load = [subprocess.Popen(["wrk", "-t1", "-c4", f"-d{args.punches * 2}s", "-H", f"Authorization: Bearer {token}",
                                  f"{nodes[n]}/api/v1/people?limit=20"], stdout=subprocess.DEVNULL) for n in ("a", "b")]
        leader_a, leader_b = Client(nodes["a"]), Client(nodes["b"])
        leader_a.sign_in("chutich.giahung")
        leader_b.sign_in("chutich.giahung")
        across = fanout(leader_a, api["b"], people, commune["id"], args.punches, "bench-across")
        within = fanout(leader_b, api["b"], people, commune["id"], args.punches, "bench-within")
        for p in load:
            p.kill()
        print(f"### Fan-out: {args.punches} punches each, one every 250 ms, wrk reading both nodes' API (4 connections each)\n")
        print("| board on | punch through | events | p50 | p99 | max |")
        print("|---|---|---|---|---|---|")
        for label, values in (("node B (the floor: same process)", within), ("node A (NOTIFY → LISTEN)", across)):
            print(f"| {label} | node B's API | {len(values)} of {args.punches} | {statistics.median(values):.0f} ms | "
                  f"{percentile(values, 99):.0f} ms | {max(values):.0f} ms |")

        # 2. Requests/s through the balancer, one and two web nodes.
        rows = [("node A directly (the floor)", wrk(f"{nodes['a']}/api/v1/people?limit=20", token, args.seconds))]
        for label, members in (("HAProxy → node A", ["a"]), ("HAProxy → nodes A and B", ["a", "b"])):
            port = free_port()
            servers = "\n".join(f"  server {n} {nodes[n][len('http://'):]}" for n in members)
            with open(f"{work}/haproxy.cfg", "w") as f:
                f.write(f"global\n  maxconn 4000\n  nbthread 1\ndefaults\n  mode http\n  timeout connect 2s\n  timeout client 30s\n"
                        f"  timeout server 30s\n  option forwardfor\nfrontend congvu\n  bind 127.0.0.1:{port}\n  default_backend web\n"
                        f"backend web\n  balance roundrobin\n{servers}\n")
            proxy = subprocess.Popen(["haproxy", "-db", "-f", f"{work}/haproxy.cfg"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            for _ in range(50):
                if Client(f"http://127.0.0.1:{port}").request("GET", "/healthz")[0] == 200:
                    break
                time.sleep(0.1)
            rows.append((label, wrk(f"http://127.0.0.1:{port}/api/v1/people?limit=20", token, args.seconds)))
            proxy.terminate()
            proxy.wait()
        print(f"\n### `GET /api/v1/people?limit=20` with a token, wrk -t2 -c32 -d{args.seconds}s\n")
        print("| path | req/s | p50 | p99 | errors |")
        print("|---|---|---|---|---|")
        for label, (rps, p50, p99, errors) in rows:
            print(f"| {label} | {rps:.0f} | {p50} | {p99} | {errors} |")
        print(f"\ntwo nodes ÷ one node through the balancer: {rows[2][1][0] / rows[1][1][0]:.2f}")
    finally:
        for proc in procs.values():
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)
        psql(args.pg_url, "DROP DATABASE IF EXISTS bench_cluster")


if __name__ == "__main__":
    main()
