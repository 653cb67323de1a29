#!/usr/bin/env python3
"""Two Congvu nodes on one PostgreSQL, as separate processes on loopback (issue 25).

Node A serves the web; node B serves the web too and holds the recorder role. The check signs in
on A and holds a leader's live board open (server-sent events), then:
- both nodes appear in /healthz with their roles, alive;
- a punch taken by B's API reaches A's board within one second, each of several times;
- 200 punches through the API, alternating A and B, with B killed (SIGKILL) half-way: what could
  not reach B is sent again to A with the same idempotency key, and every punch is then in the
  database exactly once;
- the nightly jobs, which both nodes started after 01:00 (Vietnam), ran once each for the day;
- A's /healthz shows B silent once its heartbeats stop.
Prints 'N passed, N failed'.
"""
import argparse, http.cookiejar, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.parse, urllib.request

passed, failed = 0, 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print(f"  ok   {what}")
    else:
        failed += 1
        print(f"  FAIL {what}")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def psql(url, sql):
    return subprocess.run(["psql", "-At", url, "-c", sql], capture_output=True, text=True, check=True).stdout.strip()


def get_json(url, token=None, timeout=5):
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def post_punch(base, token, person, key):
    body = json.dumps({"person_id": person, "at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()), "method": "card",
                       "idempotency_key": key}).encode()
    req = urllib.request.Request(f"{base}/api/v1/punches", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception:
        return None


class Board(threading.Thread):
    """A leader's live board on a node, read as the browser's EventSource reads it."""

    def __init__(self, opener, url):
        super().__init__(daemon=True)
        self.opener, self.url, self.events, self.lock = opener, url, [], threading.Lock()

    def run(self):
        with self.opener.open(self.url, timeout=120) as r:
            for raw in r:
                if raw.startswith(b"event: board"):
                    with self.lock:
                        self.events.append(time.monotonic())

    def count(self):
        with self.lock:
            return len(self.events)

    def next_after(self, n, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if len(self.events) > n:
                    return self.events[n]
            time.sleep(0.005)
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--pg-url", required=True, help="a PostgreSQL URL of a database named postgres")
    args = ap.parse_args()
    db = args.pg_url.replace("/postgres?", "/cluster?")
    psql(args.pg_url, "DROP DATABASE IF EXISTS cluster")
    psql(args.pg_url, "CREATE DATABASE cluster")
    work = tempfile.mkdtemp(prefix="congvu-cluster-")
    nodes = {}
    try:
        env = dict(os.environ, DATABASE_URL=db, CONGVU_CAMERAS="false")
        subprocess.run([args.binary, "demo", "--data-dir", f"{work}/a"], env=env, check=True, capture_output=True)
        os.makedirs(f"{work}/b")
        shutil.copy(f"{work}/a/secret.key", f"{work}/b/secret.key")  # every node holds the same key
        for name, roles in [("a", "web"), ("b", "web,recorder")]:
            port = free_port()
            log = open(f"{work}/{name}.log", "w")
            proc = subprocess.Popen([args.binary, "serve", "--hostname", "127.0.0.1", "--port", str(port), "--data-dir", f"{work}/{name}"],
                                    env=dict(env, CONGVU_NODE_NAME=f"node-{name}", CONGVU_NODE_ROLES=roles), stdout=log, stderr=log)
            nodes[name] = (proc, f"http://127.0.0.1:{port}")
        for name, (_, base) in nodes.items():
            for _ in range(150):
                try:
                    get_json(f"{base}/healthz")
                    break
                except Exception:
                    time.sleep(0.2)
        a, b = nodes["a"][1], nodes["b"][1]

        seen = {}
        for _ in range(60):
            seen = {n["name"]: n for n in get_json(f"{a}/healthz")["nodes"]}
            if {"node-a", "node-b"} <= set(seen):
                break
            time.sleep(0.2)
        check(seen.get("node-a", {}).get("alive") and seen.get("node-b", {}).get("alive")
              and seen["node-b"]["roles"] == ["web", "recorder"], "both nodes in A's /healthz, alive, with their roles")

        def token(user):
            out = subprocess.run([args.binary, "user", "token", "--username", user, "--name", "cluster", "--data-dir", f"{work}/a"],
                                 env=env, check=True, capture_output=True, text=True).stdout
            return re.search(r"cv_[A-Za-z0-9_-]+", out).group(0)
        admin, leader = token("admin"), token("chutich.giahung")
        commune = next(u for u in get_json(f"{a}/api/v1/units?q=14551", admin)["items"] if u["code"] == "14551")
        people = [p["id"] for p in get_json(f"{a}/api/v1/people?limit=200", leader)["items"]]

        # The leader signs in on A and opens the commune's live board.
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{a}/login", timeout=5).read().decode()
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
        opener.open(f"{a}/login", data=urllib.parse.urlencode({"_csrf": csrf, "username": "chutich.giahung", "password": "congvu-demo"}).encode(),
                    timeout=10).read()
        board = Board(opener, f"{a}/board/events?unit={commune['id']}")
        board.start()
        check(board.next_after(0, 10) is not None, "the board opens on A")

        latencies = []
        for i in range(5):
            time.sleep(0.5)
            n = board.count()
            sent = time.monotonic()
            status = post_punch(b, admin, people[i % len(people)], f"cluster-latency-{i}")
            at = board.next_after(n, 3)
            latencies.append((at - sent) if at and status in (200, 201) else None)
        print(f"  node B's punch to A's board: {['%.0f ms' % (x * 1000) if x else 'none' for x in latencies]}")
        check(all(x is not None and x < 1 for x in latencies), "a punch taken by B's API reaches A's board within a second, five times out of five")

        # Load with B killed half-way; what did not reach B goes to A again with the same key.
        keys, missed = [], []
        for i in range(200):
            if i == 100:
                nodes["b"][0].send_signal(signal.SIGKILL)
                nodes["b"][0].wait()
            key = f"cluster-load-{i}"
            keys.append(key)
            base = b if i % 2 else a  # after the kill, B's half fails and is sent again to A below
            status = post_punch(base, admin, people[i % len(people)], key)
            if status not in (200, 201):
                missed.append((i, key))
        for i, key in missed:
            post_punch(a, admin, people[i % len(people)], key)
        rows = psql(db, "SELECT COUNT(*), COUNT(DISTINCT idempotency_key) FROM punches WHERE idempotency_key LIKE 'api:cluster-load-%'")
        print(f"  {len(missed)} punches sent again to A after B died; rows: {rows}")
        check(len(missed) >= 50 and rows == "200|200", "200 punches with B killed half-way: each kept exactly once")

        # Nightly work: once per job for today, whoever ran it.
        vietnam_hour = (time.gmtime().tm_hour + 7) % 24
        if vietnam_hour >= 1:
            today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 3600))
            runs = psql(db, f"SELECT job, node, attempts, finished_at IS NOT NULL FROM job_claims WHERE slot = '{today}' ORDER BY job").splitlines()
            print(f"  tonight's runs: {runs}")
            jobs = [r.split("|")[0] for r in runs]
            check(len(runs) >= 3 and len(set(jobs)) == len(jobs) and all(r.endswith("|1|t") for r in runs),
                  "each nightly job ran once for today, on one node, finished")
        else:
            print("  (before 01:00 in Vietnam: the nightly jobs are not due yet)")

        silent = False
        for _ in range(40):
            nodes_now = {n["name"]: n for n in get_json(f"{a}/healthz")["nodes"]}
            if not nodes_now["node-b"]["alive"]:
                silent = True
                break
            time.sleep(1)
        check(silent and nodes_now["node-a"]["alive"], "A's /healthz shows B silent once its heartbeats stop")
    finally:
        for proc, _ in nodes.values():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        for name in nodes:
            text = open(f"{work}/{name}.log").read()
            if "request failed" in text:
                print(f"  node {name}'s log has failed requests:\n" + "\n".join([l for l in text.splitlines() if "request failed" in l][:5]))
        shutil.rmtree(work, ignore_errors=True)
        psql(args.pg_url, "DROP DATABASE IF EXISTS cluster")
    print(f"cluster: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
