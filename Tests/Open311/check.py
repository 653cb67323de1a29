#!/usr/bin/env python3
"""An Open311 GeoReport v2 client written from the specification (wiki.open311.org/GeoReport_v2),
not from Congvu's code, run against a real `congvu serve --demo`.

It reads every answer in both formats with real parsers (json, xml.etree) and checks what the
standard promises: the fields of a service, a service definition, a request; that JSON and XML say
the same; that a posted request can be found by its id, its token and the list filters; that
errors come as a list of code and description with the HTTP status. Prints 'N passed, N failed'.
"""
import argparse, json, os, subprocess, sys, tempfile, shutil, traceback, urllib.error, urllib.parse, urllib.request
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Browser"))
from run import start_server  # noqa: E402  (the same demo server the browser checks use)

SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible",
                  "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
                  "lat", "long", "media_url"]


class GeoReport:
    """A GeoReport v2 client: every call in a format, its answer parsed into lists of dicts."""

    def __init__(self, endpoint, api_key=None):
        self.endpoint, self.api_key = endpoint.rstrip("/"), api_key

    def call(self, path, fmt, params=None, form=None):
        url = f"{self.endpoint}/{path}.{fmt}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
        if data is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.headers.get("Content-Type", ""), self.parse(r.read(), fmt)
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), self.parse(e.read(), fmt)

    @staticmethod
    def parse(body, fmt):
        if fmt == "json":
            return json.loads(body)
        root = ET.fromstring(body)
        # Each child of the root is one element; its children are the fields (a nested list stays a list).
        out = []
        for element in root:
            item = {}
            for field in element:
                item[field.tag] = [dict((g.tag, g.text) for g in c) for c in field] if len(field) else (field.text or "")
            out.append(item)
        return {"root": root.tag, "items": out}


class Checks:
    def __init__(self, client, base):
        self.c, self.base = client, base

    def both(self, path, params=None):
        """The same call in JSON and in XML, the two compared field by field (XML carries text)."""
        s1, t1, j = self.c.call(path, "json", params)
        s2, t2, x = self.c.call(path, "xml", params)
        assert s1 == s2, (path, s1, s2)
        assert t1.startswith("application/json"), t1
        assert t2.startswith("text/xml") or t2.startswith("application/xml"), t2
        assert len(j) == len(x["items"]), (path, len(j), len(x["items"]))
        for a, b in zip(j, x["items"]):
            for k, v in a.items():
                if isinstance(v, list):
                    continue
                text = "" if v is None else ("true" if v is True else "false" if v is False else str(v))
                assert b.get(k, "") == text or (isinstance(v, float) and float(b[k]) == v), (path, k, v, b.get(k))
        return s1, j, x

    def test_services_and_their_definitions(self):
        status, services, xml = self.both("services")
        assert status == 200 and xml["root"] == "services" and services, services
        for s in services:
            assert all(f in s for f in SERVICE_FIELDS), s
            assert s["type"] in ("realtime", "batch", "blackbox") and isinstance(s["metadata"], bool)
        code = services[0]["service_code"]
        status, definition, xml = self.both(f"services/{code}")
        assert status == 200 and xml["root"] == "service_definitions" and definition[0]["service_code"] == code
        assert isinstance(definition[0]["attributes"], list)

    def test_a_request_is_posted_and_found_by_id_token_and_filters(self):
        form = {"api_key": self.c.api_key, "jurisdiction_id": "14551-UB", "service_code": "public_service", "lat": "20.2506", "long": "105.9745",
                "address_string": "Đường liên thôn 2, Gia Hưng", "description": "Ổ gà lớn giữa đường, xe máy dễ ngã.", "email": "dan@example.vn",
                "first_name": "Minh", "last_name": "Trần"}
        status, _, answer = self.c.call("requests", "json", form=form)
        assert status in (200, 201), (status, answer)
        rid = answer[0].get("service_request_id") or answer[0].get("token")
        assert rid, answer
        if "service_request_id" not in answer[0]:
            status, _, tokens = self.c.call(f"tokens/{answer[0]['token']}", "json")
            rid = tokens[0]["service_request_id"]
        status, one, xml = self.both(f"requests/{rid}")
        assert status == 200 and len(one) == 1 and xml["root"] == "service_requests"
        r = one[0]
        assert all(f in r for f in REQUEST_FIELDS), sorted(set(REQUEST_FIELDS) - set(r))
        assert r["service_request_id"] == rid and r["status"] == "open" and r["service_code"] == "public_service"
        assert r["description"] == form["description"] and abs(r["lat"] - 20.2506) < 1e-9 and abs(r["long"] - 105.9745) < 1e-9
        for k in ("requested_datetime", "updated_datetime", "expected_datetime"):
            v = r[k]
            assert len(v) >= 20 and v[10] == "T" and (v.endswith("Z") or v[-6] in "+-"), (k, v)
        assert "dan@example.vn" not in json.dumps(r) and "Trần" not in json.dumps(r), "the requester is not published"
        status, _, tokens = self.c.call(f"tokens/{rid}", "json")
        assert status == 200 and tokens[0]["service_request_id"] == rid

        ids = lambda items: [i["service_request_id"] for i in items]
        status, listed, _ = self.both("requests")
        assert status == 200 and rid in ids(listed) and len(listed) <= 1000
        assert rid in ids(self.both("requests", {"service_code": "public_service"})[1])
        assert rid not in ids(self.both("requests", {"service_code": "attitude"})[1])
        assert rid in ids(self.both("requests", {"status": "open"})[1])
        assert rid not in ids(self.both("requests", {"status": "closed"})[1])
        assert ids(self.both("requests", {"service_request_id": rid})[1]) == [rid]
        start = r["requested_datetime"]
        assert rid in ids(self.both("requests", {"start_date": start})[1])
        assert rid not in ids(self.both("requests", {"end_date": "2025-01-01T00:00:00Z", "start_date": "2024-12-01T00:00:00Z"})[1])

    def test_errors_are_a_list_of_code_and_description(self):
        def error(status, body, fmt):
            items = body if fmt == "json" else body["items"]
            assert isinstance(items, list) and items, body
            code = int(items[0]["code"])
            assert code == status and items[0]["description"], (status, items)
            if fmt == "xml":
                assert body["root"] == "errors", body
            return code
        for fmt in ("json", "xml"):
            s, _, b = self.c.call("requests", fmt, form={"jurisdiction_id": "14551-UB", "service_code": "attitude", "address_string": "x",
                                                         "description": "Không có khoá API"})
            assert error(s, b, fmt) in (400, 401, 403)
            s, _, b = self.c.call("requests", fmt, form={"api_key": self.c.api_key, "jurisdiction_id": "14551-UB", "service_code": "no-such-service",
                                                         "address_string": "x", "description": "Dịch vụ không có"})
            assert error(s, b, fmt) in (400, 404)
            s, _, b = self.c.call("requests", fmt, form={"api_key": self.c.api_key, "jurisdiction_id": "14551-UB", "service_code": "attitude",
                                                         "description": "Không có vị trí"})
            assert error(s, b, fmt) == 400
            s, _, b = self.c.call("services/no-such-service", fmt)
            assert error(s, b, fmt) == 404
            s, _, b = self.c.call("requests/PA22222222", fmt)
            assert error(s, b, fmt) == 404
            s, _, b = self.c.call("requests", fmt, {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-12-31T00:00:00Z"})
            assert error(s, b, fmt) == 400


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args = ap.parse_args()
    data = tempfile.mkdtemp(prefix="congvu-open311-")
    server, base = start_server(args.binary, data)
    passed = failed = 0
    try:
        key = subprocess.run([args.binary, "user", "token", "--data-dir", data, "--username", "vanphong.giahung", "--name", "Open311 check"],
                             capture_output=True, text=True, check=True).stdout.strip().split()[-1]
        checks = Checks(GeoReport(base + "/open311/v2", key), base)
        for name in sorted(n for n in dir(Checks) if n.startswith("test_")):
            try:
                getattr(checks, name)()
                passed += 1
                print(f"PASS {name}")
            except Exception:
                failed += 1
                print(f"FAIL {name}")
                traceback.print_exc()
    finally:
        server.terminate()
        server.wait(timeout=20)
        if failed == 0:
            shutil.rmtree(data, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
