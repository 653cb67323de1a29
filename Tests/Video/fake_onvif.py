#!/usr/bin/env python3
"""A fake ONVIF device for Congvu's tests: plain HTTP/SOAP on loopback. It answers
GetSystemDateAndTime without a login, and GetCapabilities, GetProfiles, GetStreamUri and
GetSnapshotUri only with a valid WS-Security UsernameToken digest whose Created is within 5 s of
*its own* clock, which runs --clock-offset seconds away from the real time (as cameras' do).
Prints "ready" once it listens.
"""
import argparse, base64, datetime, hashlib, http.server, re, signal, sys

from parent_watch import exit_with_parent

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--user", default="admin")
ap.add_argument("--password", default="Abc12345")
ap.add_argument("--clock-offset", type=float, default=0)
ap.add_argument("--rtsp-port", type=int, default=554)
ap.add_argument("--http-port", type=int, default=80)
args = ap.parse_args()
signal.pthread_sigmask(signal.SIG_SETMASK, [])
exit_with_parent()


def camera_now():
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=args.clock_offset)


def envelope(body):
    return ('<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" '
            'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl" '
            'xmlns:tt="http://www.onvif.org/ver10/schema"><SOAP-ENV:Body>' + body + '</SOAP-ENV:Body></SOAP-ENV:Envelope>')


def fault(reason):
    return envelope('<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:Sender</SOAP-ENV:Value></SOAP-ENV:Code>'
                    f'<SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="en">{reason}</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>')


def authorised(body):
    user = re.search(r"<(?:\w+:)?Username>([^<]*)<", body)
    digest = re.search(r"<(?:\w+:)?Password[^>]*>([^<]*)<", body)
    nonce = re.search(r"<(?:\w+:)?Nonce[^>]*>([^<]*)<", body)
    created = re.search(r"<(?:\w+:)?Created>([^<]*)<", body)
    if not (user and digest and nonce and created) or user.group(1) != args.user:
        return "NotAuthorized"
    expected = base64.b64encode(hashlib.sha1(base64.b64decode(nonce.group(1)) + created.group(1).encode() + args.password.encode()).digest()).decode()
    if expected != digest.group(1).strip():
        return "NotAuthorized"
    when = datetime.datetime.fromisoformat(created.group(1).replace("Z", "+00:00"))
    if abs((when - camera_now()).total_seconds()) > 5:
        return "NotAuthorized: token time is off"
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        status, answer = 200, None
        if "GetSystemDateAndTime" in body:
            n = camera_now()
            answer = envelope('<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>'
                              f'<tt:UTCDateTime><tt:Time><tt:Hour>{n.hour}</tt:Hour><tt:Minute>{n.minute}</tt:Minute><tt:Second>{n.second}</tt:Second></tt:Time>'
                              f'<tt:Date><tt:Year>{n.year}</tt:Year><tt:Month>{n.month}</tt:Month><tt:Day>{n.day}</tt:Day></tt:Date></tt:UTCDateTime>'
                              '</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>')
        else:
            problem = authorised(body)
            if problem:
                status, answer = 400, fault(problem)
            elif "GetCapabilities" in body:
                answer = envelope('<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Media>'
                                  f'<tt:XAddr>http://127.0.0.1:{args.port}/onvif/media_service</tt:XAddr></tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>')
            elif "GetProfiles" in body:
                def profile(token, name, w, h):
                    return (f'<trt:Profiles token="{token}" fixed="true"><tt:Name>{name}</tt:Name><tt:VideoEncoderConfiguration token="V{token}">'
                            f'<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>{w}</tt:Width><tt:Height>{h}</tt:Height></tt:Resolution>'
                            '</tt:VideoEncoderConfiguration></trt:Profiles>')
                answer = envelope('<trt:GetProfilesResponse>' + profile("Profile_2", "subStream", 640, 360)
                                  + profile("Profile_1", "mainStream", 1920, 1080) + '</trt:GetProfilesResponse>')
            elif "GetStreamUri" in body:
                channel = "101" if "Profile_1" in body else "102"
                answer = envelope(f'<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>rtsp://127.0.0.1:{args.rtsp_port}/Streaming/Channels/{channel}</tt:Uri>'
                                  '</trt:MediaUri></trt:GetStreamUriResponse>')
            elif "GetSnapshotUri" in body:
                answer = envelope(f'<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>http://127.0.0.1:{args.http_port}/ISAPI/Streaming/channels/101/picture</tt:Uri>'
                                  '</trt:MediaUri></trt:GetSnapshotUriResponse>')
            else:
                status, answer = 400, fault("ActionNotSupported")
        data = answer.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/soap+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
print("ready", flush=True)
server.serve_forever()
