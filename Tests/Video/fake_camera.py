#!/usr/bin/python3
"""A fake IP camera for Congvu's tests and benchmarks: an RTSP server (GStreamer) with the
paths of a Hikvision and a Dahua camera, RTSP Digest authentication, and an HTTP snapshot.

  /Streaming/Channels/101, 102, 201, 202             Hikvision channels 1 and 2, main and sub stream
  /cam/realmonitor?channel=1&subtype=0 (or 1)        Dahua (GStreamer ignores the query: one stream)
  http://HOST:HTTP_PORT/ISAPI/Streaming/channels/101/picture, /cgi-bin/snapshot.cgi   a JPEG

The picture is either a live test pattern with a clock (x264, small) or a pre-encoded H.264 clip
served without re-encoding (--clip, realistic bitrate at almost no CPU; make it as long as the run).
Runs with Debian's python3 (the gi module lives there). Prints "ready" once it listens.
"""
import argparse
import base64
import hashlib
import http.server
import os
import re
import signal
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstRtsp", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

from parent_watch import exit_with_parent  # noqa: E402


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=8554)
    p.add_argument("--http-port", type=int, default=0, help="snapshot port (0: none)")
    p.add_argument("--user", default="admin")
    p.add_argument("--password", default="Abc12345")
    p.add_argument("--size", default="320x180", help="test pattern size")
    p.add_argument("--fps", type=int, default=25)
    p.add_argument("--gop", type=int, default=25, help="frames between keyframes")
    p.add_argument("--codec", default="h264", choices=["h264", "h265"])
    p.add_argument("--clip", help="an MP4 with H.264 video, served as it is (copy, no encoding)")
    p.add_argument("--sub-clip", help="the clip of the sub-streams (…02 and subtype=1), default --clip")
    p.add_argument("--jpeg", help="the snapshot to serve (default: a tiny built-in picture)")
    p.add_argument("--clock-code", action="store_true",
                   help="a picture that carries the wall-clock time it was made (32 blocks, milliseconds), for delay measurements")
    return p.parse_args()


CODE_W, CODE_H, BLOCK = 640, 360, 40


def clock_frame(ms):
    """An I420 frame: two rows of 16 blocks, bit i of `ms` (mod 2^32) white or black, on grey."""
    bits = [(ms >> i) & 1 for i in range(32)]
    grey = bytes([128]) * CODE_W
    rows = []
    for half in (bits[:16], bits[16:]):
        row = b"".join((b"\xeb" if b else b"\x10") * BLOCK for b in half)
        rows.append(row * BLOCK)
    y = rows[0] + rows[1] + grey * (CODE_H - 2 * BLOCK)
    return y + bytes([128]) * (CODE_W * CODE_H // 2)


def clock_factory(args):
    """A media factory whose appsrc is fed frames stamped with the time they are made."""
    import time

    class Factory(GstRtspServer.RTSPMediaFactory):
        def do_create_element(self, url):
            launch = (f"( appsrc name=src is-live=true do-timestamp=true format=time "
                      f"caps=video/x-raw,format=I420,width={CODE_W},height={CODE_H},framerate={args.fps}/1 "
                      f"! x264enc tune=zerolatency speed-preset=ultrafast sliced-threads=false key-int-max={args.gop} bitrate=800 "
                      f"! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1 )")
            return Gst.parse_launch(launch)

        def do_configure(self, media):
            src = media.get_element().get_child_by_name("src")
            period = 1.0 / args.fps

            def push():
                ms = int(time.time() * 1000) & 0xFFFFFFFF
                data = clock_frame(ms)
                buf = Gst.Buffer.new_wrapped(data)
                buf.duration = int(period * Gst.SECOND)
                return src.emit("push-buffer", buf) == Gst.FlowReturn.OK

            GLib.timeout_add(int(period * 1000), push)

    return Factory()


def pipeline(args, sub=False):
    clip = (args.sub_clip or args.clip) if sub else args.clip
    if clip:
        return (f"( filesrc location={clip} ! qtdemux ! h264parse config-interval=-1 "
                f"! rtph264pay name=pay0 pt=96 config-interval=-1 )")
    w, h = args.size.split("x")
    caps = f"video/x-raw,width={w},height={h},framerate={args.fps}/1"
    if args.codec == "h265":
        enc = f"x265enc tune=zerolatency key-int-max={args.gop} speed-preset=ultrafast ! h265parse ! rtph265pay name=pay0 pt=96 config-interval=-1"
    else:
        enc = (f"x264enc tune=zerolatency speed-preset=ultrafast sliced-threads=false key-int-max={args.gop} bitrate=300 "
               f"! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1")
    return f"( videotestsrc is-live=true pattern=ball ! {caps} ! timeoverlay ! {enc} )"


def snapshot_server(args, jpeg):
    """The snapshot over HTTP Digest (RFC 7616, MD5, qop=auth), as Hikvision and Dahua cameras ask."""
    realm = "IP Camera"
    nonces = set()

    def md5(text):
        return hashlib.md5(text.encode()).hexdigest()

    class Handler(http.server.BaseHTTPRequestHandler):
        def challenge(self):
            nonce = os.urandom(8).hex()
            nonces.add(nonce)
            self.send_response(401)
            self.send_header("WWW-Authenticate", f'Digest realm="{realm}", qop="auth", nonce="{nonce}", algorithm=MD5')
            self.send_header("Content-Length", "0")
            self.end_headers()

        def authorised(self):
            header = self.headers.get("Authorization", "")
            if not header.startswith("Digest "):
                return False
            fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header[7:]))
            if fields.get("username") != args.user or fields.get("nonce") not in nonces:
                return False
            ha1 = md5(f"{args.user}:{realm}:{args.password}")
            ha2 = md5(f"GET:{fields.get('uri', '')}")
            expected = md5(f"{ha1}:{fields['nonce']}:{fields.get('nc', '')}:{fields.get('cnonce', '')}:auth:{ha2}")
            return fields.get("response") == expected and fields.get("uri") == self.path

        def do_GET(self):
            if self.path.startswith("/ISAPI/Streaming/channels/") or self.path.startswith("/cgi-bin/snapshot.cgi"):
                if not self.authorised():
                    self.challenge()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(jpeg)))
                self.end_headers()
                self.wfile.write(jpeg)
            else:
                self.send_response(404)
                self.end_headers()

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.http_port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()


# A 1×1 grey JPEG, enough for a test that a snapshot arrived.
TINY_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////"
    "////////////////////////////wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAAA//EABQQAQAAAAAAAAAA"
    "AAAAAAAAAAD/2gAIAQEAAD8AN//Z")


def main():
    args = parse()
    # A parent that spawned us from a thread with signals blocked passes that mask on: undo it, so
    # SIGTERM stops the camera.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    exit_with_parent()
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    auth = GstRtspServer.RTSPAuth()
    auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "viewer")
    auth.add_digest(args.user, args.password, token)
    server.set_auth(auth)
    mounts = server.get_mount_points()
    for path in ["/Streaming/Channels/101", "/Streaming/Channels/102", "/Streaming/Channels/201", "/Streaming/Channels/202",
                 "/cam/realmonitor"]:
        if args.clock_code:
            factory = clock_factory(args)
        else:
            factory = GstRtspServer.RTSPMediaFactory()
            factory.set_launch(pipeline(args, sub=path.endswith("2")))
        factory.set_shared(True)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("viewer", "media.factory.access", True)
        permissions.add_permission_for_role("viewer", "media.factory.construct", True)
        factory.set_permissions(permissions)
        mounts.add_factory(path, factory)
    if server.attach(None) == 0:
        print("cannot listen", file=sys.stderr)
        sys.exit(1)
    if args.http_port:
        jpeg = open(args.jpeg, "rb").read() if args.jpeg else TINY_JPEG
        snapshot_server(args, jpeg)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    print("ready", flush=True)
    loop.run()
    # GStreamer's streaming threads may still hold a client: leave at once.
    os._exit(0)


if __name__ == "__main__":
    main()
