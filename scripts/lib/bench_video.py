#!/usr/bin/env python3
"""Camera benchmarks for docs/PERFORMANCE.md (run by scripts/bench-video against a release build).

A fake camera (Tests/Video/fake_camera.py) serves pre-encoded clips without encoding: 1080p H.264
at 4 Mbit/s (main) and 640x360 at 0.5 Mbit/s (sub). Measured, each over a window of --seconds:
  1. bare ffmpeg recording the main stream exactly as Congvu's recorder does (segments + live pipe),
     and bare ffmpeg reading the sub-stream to a live pipe: the floor;
  2. Congvu recording one camera (server + its ffmpeg processes), idle and with one viewer;
  3. the time from opening a camera page to its first frame, stream running (headless Chromium);
  4. 25 cameras recorded with 10 phone viewers (sub-streams over WebSocket).
CPU is read from /proc (utime + stime) of the processes, as a percentage of one core.
"""
import argparse, base64, http.cookiejar, json, os, re, shutil, socket, statistics, struct, subprocess, sys, tempfile, threading, time
import urllib.parse, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return int(parts[11]) + int(parts[12])
    except OSError:
        return 0


def children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except OSError:
                pass
    return out


def cpu_percent(pids_fn, seconds):
    """CPU of the processes `pids_fn()` names, over `seconds`, in % of one core."""
    pids = pids_fn()
    before = {p: cpu_ticks(p) for p in pids}
    start = time.time()
    time.sleep(seconds)
    wall = time.time() - start
    used = sum(cpu_ticks(p) - before.get(p, 0) for p in pids_fn() if p in before)
    return 100.0 * used / TICK / wall


def cpu_split(server_pid, seconds):
    """CPU of the server and of its children (ffmpeg) over the same window, in % of one core."""
    pids = [server_pid] + children(server_pid)
    before = {p: cpu_ticks(p) for p in pids}
    start = time.time()
    time.sleep(seconds)
    wall = time.time() - start
    used = {p: max(0, cpu_ticks(p) - before[p]) for p in pids}  # a process gone meanwhile counts 0
    pct = lambda ticks: 100.0 * ticks / TICK / wall
    return pct(used[server_pid]), pct(sum(v for p, v in used.items() if p != server_pid))


def make_clips(work, minutes):
    """1080p 4 Mbit/s and 360p 0.5 Mbit/s H.264, keyframe every 2 s, long enough for the run."""
    clips = {}
    for name, size, rate in (("main", "1920x1080", "4M"), ("sub", "640x360", "500k")):
        path = os.path.join(work, f"{name}-{minutes}m.mp4")
        if not os.path.exists(path):
            short = os.path.join(work, f"{name}-20s.mp4")
            if not os.path.exists(short):
                print(f"  encoding the {size} clip once…", flush=True)
                subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25",
                                "-vf", "noise=alls=12:allf=t", "-t", "20", "-c:v", "libx264", "-preset", "veryfast",
                                "-b:v", rate, "-maxrate", rate, "-bufsize", rate, "-g", "50", "-bf", "0", "-pix_fmt", "yuv420p",
                                short], check=True)
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", str(minutes * 3), "-i", short, "-c", "copy", path], check=True)
        clips[name] = path
    return clips


def start_camera(clips, port):
    p = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "Tests/Video/fake_camera.py"), "--port", str(port),
                          "--clip", clips["main"], "--sub-clip", clips["sub"]], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def recorder_args(url, directory, live_only=False):
    """The arguments of Sources/CongvuVideo/FFmpeg/FFmpegCommand.swift (keep in step)."""
    args = ["-hide_banner", "-nostdin", "-loglevel", "warning", "-nostats", "-rtsp_transport", "tcp", "-timeout", "5000000",
            "-probesize", "500000", "-analyzeduration", "500000", "-i", url]
    if not live_only:
        args += ["-map", "0:v:0", "-c", "copy", "-f", "segment", "-segment_time", "60", "-segment_atclocktime", "1",
                 "-strftime", "1", "-reset_timestamps", "1", "-segment_format", "mp4",
                 "-segment_format_options", "movflags=+frag_keyframe+empty_moov+default_base_moof",
                 "-segment_list", os.path.join(directory, "segments.csv"), "-segment_list_type", "csv",
                 os.path.join(directory, "%Y%m%dT%H%M%SZ.mp4")]
    args += ["-map", "0:v:0", "-c", "copy", "-f", "mp4", "-movflags", "empty_moov+default_base_moof+frag_every_frame", "pipe:1"]
    return args


class Session:
    """A signed-in browser-like HTTP session (cookie + CSRF)."""
    def __init__(self, base, username, password="congvu-demo"):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = self.token("/login")
        self.post("/login", {"username": username, "password": password})
        self.csrf = self.token("/")

    def token(self, path):
        html = self.opener.open(self.base + path).read().decode()
        return re.search(r'name="_csrf" value="([^"]*)"', html).group(1)

    def post(self, path, fields):
        data = urllib.parse.urlencode(dict(fields, _csrf=self.csrf)).encode()
        return self.opener.open(urllib.request.Request(self.base + path, data=data))

    def get(self, path):
        return self.opener.open(self.base + path).read().decode()

    def cookie(self):
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


class Viewer(threading.Thread):
    """A minimal WebSocket client (stdlib) reading the live socket like a phone would."""
    def __init__(self, port, cookie, cameras, stream="sub"):
        super().__init__(daemon=True)
        self.port, self.cookie, self.cameras, self.stream = port, cookie, cameras, stream
        self.bytes = 0
        self.frames = 0
        self.stop = False

    def run(self):
        s = socket.create_connection(("127.0.0.1", self.port))
        key = base64.b64encode(os.urandom(16)).decode()
        path = f"/cameras/live/socket?c={','.join(map(str, self.cameras))}&s={self.stream}"
        s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nCookie: {self.cookie}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += s.recv(1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        f = s.makefile("rb")
        while not self.stop:
            head = f.read(2)
            if len(head) < 2:  # the server went away (the end of the run)
                break
            b0, b1 = head
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", f.read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", f.read(8))[0]
            payload = f.read(n)
            if b0 & 0x0F == 2:
                self.frames += 1
                self.bytes += n
        s.close()


def serve(binary, data, port, extra_env=None):
    env = dict(os.environ, CONGVU_BCRYPT_COST="4", CONGVU_LOG_LEVEL="warning", CONGVU_DATA_DIR=data)
    env.update(extra_env or {})
    log = open(os.path.join(data, "server.log"), "a")
    p = subprocess.Popen([binary, "serve", "--demo", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return p
        except Exception:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def add_camera(office, unit, name, camera_port, channel):
    office.post("/cameras", {"unit": unit, "name": name, "brand": "hikvision", "host": "127.0.0.1", "rtsp_port": str(camera_port),
                             "channel": str(channel), "username": "admin", "password": "Abc12345", "recording": "on"})


def camera_ids(office):
    return [int(i) for i in re.findall(r'href="/cameras/(\d+)"', office.get("/cameras"))]


def office_browser(base):
    """Headless Chromium signed in as the office (the browser tests' own driver)."""
    sys.path.insert(0, os.path.join(ROOT, "Tests/Browser"))
    from run import browser, PASSWORD  # noqa
    from selenium.webdriver.common.by import By
    d = browser()
    d.get(base + "/login")
    d.find_element(By.ID, "username").send_keys("vanphong.giahung")
    d.find_element(By.ID, "password").send_keys(PASSWORD)
    d.find_element(By.ID, "login-submit").click()
    time.sleep(1)
    return d


def first_frames(base, camera, times):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    d = office_browser(base)
    out = []
    try:
        for i in range(times + 1):
            d.get(f"{base}/cameras/{camera}")
            WebDriverWait(d, 20).until(lambda d: d.find_element(By.CSS_SELECTOR, "figure.tile").get_attribute("data-first-frame-ms"))
            if i:  # the first opening warms the browser's cache of the page and script
                out.append(int(d.find_element(By.CSS_SELECTOR, "figure.tile").get_attribute("data-first-frame-ms")))
    finally:
        d.quit()
    return out


DELAY_JS = """
window.__delays = [];
const v = document.querySelector('figure.tile video');
const c = document.createElement('canvas'); c.width = 640; c.height = 360;
const g = c.getContext('2d', { willReadFrequently: true });
function tick() {
  g.drawImage(v, 0, 0, 640, 360);
  const d = g.getImageData(0, 0, 640, 80).data;
  let ms = 0;
  for (let half = 0; half < 2; half++) for (let i = 0; i < 16; i++) {
    if (d[((half * 40 + 20) * 640 + i * 40 + 20) * 4] > 128) ms += 2 ** (half * 16 + i);
  }
  window.__delays.push((Date.now() % 2 ** 32 - ms + 2 ** 32) % 2 ** 32);
  v.requestVideoFrameCallback(tick);
}
v.requestVideoFrameCallback(tick);
"""


def camera_to_screen(base, camera, seconds):
    """Delay from the moment a frame is made (its picture carries the time) to its presentation in Chromium."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    d = office_browser(base)
    try:
        d.get(f"{base}/cameras/{camera}")
        WebDriverWait(d, 20).until(lambda d: d.find_element(By.CSS_SELECTOR, "figure.tile").get_attribute("data-first-frame-ms"))
        time.sleep(2)
        d.execute_script(DELAY_JS)
        time.sleep(seconds)
        delays = [x for x in d.execute_script("return window.__delays") if x < 60000]
    finally:
        d.quit()
    return delays


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--cameras", type=int, default=25)
    ap.add_argument("--viewers", type=int, default=10)
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "congvu-bench-video"))
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    minutes = max(6, (args.seconds * 6) // 60 + 4)
    clips = make_clips(args.work, minutes)
    camera_port = free_port()
    camera = start_camera(clips, camera_port)
    rows = []
    procs = [camera]
    try:
        # 1. The floor: bare ffmpeg, the same arguments as the recorder.
        rec = tempfile.mkdtemp(dir=args.work)
        url = f"rtsp://admin:Abc12345@127.0.0.1:{camera_port}/Streaming/Channels/"
        bare_main = subprocess.Popen(["ffmpeg"] + recorder_args(url + "101", rec), stdout=subprocess.DEVNULL, env=dict(os.environ, TZ="UTC"))
        bare_sub = subprocess.Popen(["ffmpeg"] + recorder_args(url + "102", rec, live_only=True), stdout=subprocess.DEVNULL)
        time.sleep(5)
        main_cpu = cpu_percent(lambda: [bare_main.pid], args.seconds)
        sub_cpu = cpu_percent(lambda: [bare_sub.pid], args.seconds)
        for p in (bare_main, bare_sub):
            p.terminate(); p.wait()
        rows.append(("bare ffmpeg: 1080p main recorded + live pipe", f"{main_cpu:.2f} %"))
        rows.append(("bare ffmpeg: 360p sub-stream live pipe", f"{sub_cpu:.2f} %"))

        # 2. Congvu with one camera (its demo cameras switched off first).
        data = tempfile.mkdtemp(dir=args.work)
        port = free_port()
        server = serve(args.binary, data, port)
        procs.append(server)
        base = f"http://127.0.0.1:{port}"
        office = Session(base, "vanphong.giahung")
        for cid in camera_ids(office):
            page = office.get(f"/cameras/{cid}/edit")
            unit = re.search(r'<option value="(\d+)" selected', page).group(1)
            office.post(f"/cameras/{cid}", {"unit": unit, "name": f"demo {cid}", "brand": "hikvision", "host": "127.0.0.1", "active": ""})
        unit = re.search(r'<option value="(\d+)"', office.get("/cameras/new")).group(1)
        time.sleep(3)
        baseline = cpu_percent(lambda: [server.pid] + children(server.pid), args.seconds)
        rows.append(("Congvu with no camera running (the idle server: the floor of the rows below)", f"{baseline:.2f} %"))
        add_camera(office, unit, "Bench 1", camera_port, 1)
        time.sleep(8)
        ids = camera_ids(office)
        first = max(ids)
        everything = lambda: [server.pid] + children(server.pid)
        idle_server, idle_ffmpeg = cpu_split(server.pid, args.seconds)
        rows.append(("Congvu, 1 camera (server + main and sub ffmpeg), no viewer", f"{idle_server + idle_ffmpeg:.2f} %"))
        rows.append(("… of which its two ffmpeg / the server (same window)", f"{idle_ffmpeg:.2f} % / {idle_server:.2f} %"))
        v = Viewer(port, office.cookie(), [first], "sub")
        v.start()
        time.sleep(2)
        one = cpu_percent(everything, args.seconds)
        v.stop = True
        rows.append(("Congvu, 1 camera, 1 phone viewer (sub-stream)", f"{one:.2f} % ({v.frames} fragments received)"))

        # 3. Time to the first frame, stream running.
        frames = first_frames(base, first, 10)
        rows.append(("first frame after opening the camera page (sub-stream, 10 openings)",
                     f"median {statistics.median(frames):.0f} ms, max {max(frames)} ms"))

        # 3b. Camera to screen: a picture that carries the time it was made.
        clock_port = free_port()
        clock = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "Tests/Video/fake_camera.py"), "--port", str(clock_port),
                                  "--clock-code"], stdout=subprocess.PIPE, text=True)
        procs.append(clock)
        assert clock.stdout.readline().strip() == "ready"
        add_camera(office, unit, "Clock", clock_port, 1)
        time.sleep(6)
        clock_id = max(camera_ids(office))
        delays = sorted(camera_to_screen(base, clock_id, 10))
        if delays:
            rows.append(("delay camera → screen (frame made → presented in Chromium; 640×360 x264 zerolatency, "
                         f"{len(delays)} frames)", f"median {statistics.median(delays):.0f} ms, p90 {delays[int(len(delays) * 0.9)]} ms"))
        page = office.get(f"/cameras/{clock_id}/edit")
        office.post(f"/cameras/{clock_id}", {"unit": unit, "name": "Clock", "brand": "hikvision", "host": "127.0.0.1", "active": ""})
        clock.terminate(); clock.wait()

        # 4. Many cameras and phones.
        for n in range(2, args.cameras + 1):
            add_camera(office, unit, f"Bench {n}", camera_port, 1 + n % 2)
        time.sleep(15)
        ids = [i for i in camera_ids(office) if i >= first and i != clock_id]
        running = len([p for p in children(server.pid)])
        viewers = [Viewer(port, office.cookie(), [ids[i % len(ids)]], "sub") for i in range(args.viewers)]
        for w in viewers:
            w.start()
        time.sleep(3)
        total = cpu_percent(everything, args.seconds)
        server_only = cpu_percent(lambda: [server.pid], args.seconds)
        for w in viewers:
            w.stop = True
        got = sum(w.frames for w in viewers)
        rows.append((f"Congvu, {len(ids)} cameras ({running} ffmpeg), {args.viewers} phone viewers: everything",
                     f"{total:.1f} % ({got} fragments to viewers)"))
        rows.append((f"… of which the server process alone", f"{server_only:.1f} %"))
        segments = sum(len([f for f in os.listdir(os.path.join(data, 'recordings', d)) if f.endswith('.mp4')])
                       for d in os.listdir(os.path.join(data, "recordings")))
        rows.append(("segment files written during the run", str(segments)))
        # A camera the fake one never served would make the total look cheaper than it is.
        def recorded(i):
            d = os.path.join(data, "recordings", str(i))
            return os.path.isdir(d) and any(f.endswith(".mp4") for f in os.listdir(d))
        silent = [i for i in ids if not recorded(i)]
        rows.append(("cameras of the run that recorded nothing (the run is void unless 0)", str(len(silent))))
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    print()
    print("| measurement | result |")
    print("|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
