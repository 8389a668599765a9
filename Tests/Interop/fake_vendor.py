#!/usr/bin/env python3
"""A fake vendor API on 127.0.0.1 for colan pull's tests (Tests/ColanCLITests/PullTests.swift).

Serves what the real APIs serve, in the shapes real responses have
(../shared/reference/amagi-real-shapes.md): the Amagi v2 channel list and its six
reports (content paged by page/limit with the whole query's contentCount), the v1
scheduled CSV downloads (blank for some days), and MediaMelon SmartSight's OAuth,
metrics query (offset/limit, pagecount) and alerts. Numbers are a deterministic
function of channel, day, slice and the day's revision, so a test can ask the server
what colan should hold (/_control/expected).

Control (POST unless said): /_control/faults {"faults": ["429", "500", "timeout", ...]}
applies one fault to each of the next report requests (429, 500, timeout, truncated,
html, wrong: the channel list instead of the report); /_control/revise {"from": DAY}
revises every day from DAY on; /_control/expire makes MediaMelon's access tokens
expire; GET /_control/log lists every request (path, query, headers); GET
/_control/expected?type=T&from=D&to=D[&scope=channelId|customerId] the sums per channel.

Started with --port 0, it prints "PORT N" once listening. Only the Python standard library.
"""
import argparse
import hashlib
import json
import math
import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

TOKEN = "amagi-secret-token-0123456789"
MM_USER, MM_PASSWORD, MM_KEY = "analyst", "mm-password-secret", "mm-api-key-secret"
CHANNELS = ["ch%02d" % i for i in range(1, 11)]
DEVICES = ["Desktop", "Media Player", "Mobile Phone", "Roku", "Smart TV", "TV", "Tablet", "Others"]
# Concurrent users are the 24 hours before this fixed instant, so repeated pulls agree.
CONCURRENT_END = datetime(2021, 10, 1, 0, 0, tzinfo=timezone.utc)

# An access token answers this many requests, then gets 401 (the client must renew it).
TOKEN_USES = 4
STATE = {"faults": [], "revised_from": None, "revision": 0, "log": [], "access": {}, "refresh": set(), "issued": 0}
LOCK = threading.Lock()


def value(lo, hi, *key):
    digest = hashlib.blake2b(repr(key).encode(), digest_size=8).digest()
    return lo + int.from_bytes(digest, "little") % (hi - lo + 1)


def rev(day):
    r = STATE["revised_from"]
    return STATE["revision"] if r is not None and day >= r else 0


def days(start, end):
    d = date.fromisoformat(start)
    e = date.fromisoformat(end)
    while d <= e:
        yield d.isoformat()
        d += timedelta(days=1)


# ---- Amagi v2 numbers: per channel, day and device; "All" sums the devices.

def device_day(c, day, dev):
    s = value(5, 400, "s", c, day, dev, rev(day))
    return {"viewers": max(1, s - value(0, s // 3, "v", c, day, dev)), "sessions": s, "minutes": s * value(2, 25, "m", c, day, dev, rev(day))}


def viewership_day(c, day, device):
    devs = [device] if device else DEVICES
    rows = [device_day(c, day, d) for d in devs]
    out = {k: sum(r[k] for r in rows) for k in ("sessions", "minutes")}
    out["viewers"] = rows[0]["viewers"] if device else sum(r["viewers"] for r in rows) * 4 // 5
    return out


def content_rows(c, day, device):
    rows = []
    for k in range(1, 8):
        s = value(1, 90, "cs", c, day, k, device or "", rev(day))
        rows.append({"date": day + " 00:00:00", "contentId": "ep-%s-%d" % (c, k), "contentName": "Episode %d" % k,
                     "studioName": "", "seriesName": "Series %d" % (k % 3), "uniqueViewers": max(1, s - k),
                     "totalSessions": s, "viewershipMinutes": s * value(1, 40, "cm", c, day, k, rev(day))})
    return rows


def ad_row(c, day, device, content=None):
    key = (c, day, device or "", content or "", rev(day))
    opp = value(20, 300, "ao", *key)
    req = opp - value(0, opp // 4, "ar", *key)
    resp = req - value(0, req // 5, "as", *key)
    assets = resp + value(0, 30, "aa", *key)
    imp = assets - value(0, assets // 3, "ai", *key)
    return {"adOpportunitiesDetected": opp, "adRequestsSent": req, "adResponsesReceived": resp,
            "adAssetsReceived": assets, "impressionsRecorded": imp}


def rate(imp, assets):
    return round(imp * 100.0 / assets, 2) if assets else 0


def unique_day(c, day):
    hours = [value(3, 60, "uh", c, day, h, rev(day)) for h in range(24)]
    return hours, max(max(hours), sum(hours) * 7 // 10)


def concurrent_points(c):
    start = CONCURRENT_END - timedelta(hours=24)
    return [{"time": (start + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
             "viewerCount": value(100, 900, "cc", c, m)} for m in range(24 * 60)]


def amagi_report(q):
    kind = q.get("type")
    channel = q.get("channelId")
    customer = q.get("customerId")
    if not channel and not customer:
        return 422, {"statusCode": 422, "error": "Unprocessable Entity", "message": "customer_id or channel_id should be sent in query"}
    scope = channel or ("customer:" + customer)
    if channel and channel not in CHANNELS:
        return 422, {"statusCode": 422, "error": "Unprocessable Entity", "message": "channel_id %s is not valid" % channel}
    device = q.get("deviceType")
    if kind == "concurrentUsers":
        return 200, concurrent_points(scope)
    start, end = q.get("startDate"), q.get("endDate")
    if not start or not end:
        return 422, {"statusCode": 422, "error": "Unprocessable Entity", "message": "startDate and endDate are required"}
    if (date.fromisoformat(end) - date.fromisoformat(start)).days > 30:
        return 422, {"statusCode": 422, "error": "Unprocessable Entity", "message": "date range exceeds 31 days"}
    span = list(days(start, end))
    interval = q.get("interval", "DAILY")
    range_block = {"startDate": start, "endDate": end, "interval": interval, "startTime": "00:00", "endTime": "23:00"}
    if kind == "viewershipAnalytics":
        rows = []
        for d in span:
            v = viewership_day(scope, d, device)
            rows.append({"time": d + " 00:00:00", "numberOfViewers": v["viewers"], "numberOfSession": v["sessions"], "viewershipMinutes": v["minutes"]})
        ts = sum(r["numberOfSession"] for r in rows)
        tm = sum(r["viewershipMinutes"] for r in rows)
        tv = sum(r["numberOfViewers"] for r in rows)
        agg = max(max(r["numberOfViewers"] for r in rows), tv * 3 // 4)
        n = len(rows)
        return 200, {"dateRange": range_block, "viewershipAnalytics": rows, "totalSessions": ts, "totalViewershipMinutes": tm,
                     "aggregatedViewers": agg, "dailyAverageNumberOfViewers": round(tv / n, 2),
                     "dailyAverageSessionCount": round(ts / n, 2), "dailyAverageViewershipMinutes": round(tm / n, 2),
                     "avgSessionDuration": round(tm / ts, 2), "avgSessionPerViewer": round(ts / agg, 2)}
    if kind in ("contentAnalytics", "adContentAnalytics"):
        if kind == "contentAnalytics":
            rows = [r for d in span for r in content_rows(scope, d, device)]
        else:
            rows = []
            for d in span:
                for k in range(1, 4):
                    a = ad_row(scope, d, device, "ad-ep-%d" % k)
                    row = {"date": d + " 00:00:00", "contentId": "ad-ep-%s-%d" % (scope, k), "contentName": "Ad Episode %d" % k, "studioName": ""}
                    row.update({"total" + key[0].upper() + key[1:]: val for key, val in a.items()})
                    row["totalConversionRate"] = rate(a["impressionsRecorded"], a["adAssetsReceived"])
                    rows.append(row)
        page, limit = int(q.get("page", "1")), int(q.get("limit", "100"))
        chunk = rows[(page - 1) * limit: page * limit]
        if kind == "contentAnalytics":
            return 200, {"contentData": chunk, "contentCount": len(rows)}
        return 200, {"adContentData": chunk, "adContentCount": len(rows)}
    if kind == "adAnalytics":
        rows = []
        for d in span:
            a = ad_row(scope, d, device)
            a = dict(time=d + " 00:00:00", **a)
            a["conversionRate"] = rate(a["impressionsRecorded"], a["adAssetsReceived"])
            rows.append(a)
        t = {k: sum(r[k] for r in rows) for k in ("adOpportunitiesDetected", "adRequestsSent", "adResponsesReceived", "adAssetsReceived", "impressionsRecorded")}
        body = {"dateRange": range_block, "adAnalytics": rows}
        body.update({"total" + k[0].upper() + k[1:]: v for k, v in t.items()})
        body["totalConversionRate"] = t["impressionsRecorded"] * 100.0 / t["adAssetsReceived"]
        return 200, body
    if kind == "uniqueViewersAnalytics":
        if interval != "DAILY" or start != end:
            return 422, {"statusCode": 422, "error": "Unprocessable Entity", "message": "this fake serves DAILY single days"}
        hours, headline = unique_day(scope, start)
        rows = [{"time": "%s %02d:00:00" % (start, h), "uniqueViewers": v, "sessionPerViewer": 1.5, "sessionDurationPerViewer": 7.5}
                for h, v in enumerate(hours)]
        return 200, {"dailyUniqueViewers": headline, "dailyAvgSessionPerViewer": 1.5, "dailyAvgSessionDurationPerViewer": 7.5,
                     "uniqueViewerAnalytics": rows}
    return 422, {"statusCode": 422, "error": "Unprocessable Entity", "message": "unknown type %s" % kind}


def expected(q):
    kind, start, end = q["type"], q["from"], q["to"]
    scopes = [q["scope"]] if q.get("scope") else CHANNELS
    out = {}
    for c in scopes:
        span = list(days(start, end))
        if kind == "viewershipAnalytics":
            v = [viewership_day(c, d, q.get("deviceType")) for d in span]
            out[c] = {"numberOfSession": sum(x["sessions"] for x in v), "viewershipMinutes": sum(x["minutes"] for x in v)}
        elif kind == "contentAnalytics":
            rows = [r for d in span for r in content_rows(c, d, None)]
            out[c] = {"numberOfSession": sum(r["totalSessions"] for r in rows), "viewershipMinutes": sum(r["viewershipMinutes"] for r in rows),
                      "rows": len(rows)}
        elif kind == "adAnalytics":
            rows = [ad_row(c, d, None) for d in span]
            out[c] = {"impressions": sum(r["impressionsRecorded"] for r in rows), "adAssets": sum(r["adAssetsReceived"] for r in rows)}
        elif kind == "adContentAnalytics":
            rows = [ad_row(c, d, None, "ad-ep-%d" % k) for d in span for k in range(1, 4)]
            out[c] = {"impressions": sum(r["impressionsRecorded"] for r in rows), "rows": len(rows)}
        elif kind == "uniqueViewersAnalytics":
            out[c] = {d: unique_day(c, d)[1] for d in span}
        elif kind == "scheduled":
            rows = [line.split(",") for d in span for line in scheduled_csv(c, d).splitlines()[1:]]
            out[c] = {"numberOfSession": sum(int(r[3]) for r in rows), "viewershipMinutes": sum(int(r[4]) for r in rows), "rows": len(rows)}
        elif kind == "mediamelon":
            start = int(datetime.fromisoformat(start + "T00:00:00+00:00").timestamp())
            stop = int(datetime.fromisoformat(end + "T00:00:00+00:00").timestamp()) + 86399
            rows = mm_rows(c, start, stop)
            out[c] = {"viewercount": sum(r["viewercount"] for r in rows), "rows": len(rows), "alerts": len(mm_alerts(c, start, stop))}
        elif kind == "concurrentUsers":
            pts = concurrent_points(c)
            out[c] = {"points": len(pts), "peak": max(p["viewerCount"] for p in pts)}
    return out


# ---- Amagi v1 scheduled downloads: hourly rows by device; every 7th day blank.

def scheduled_csv(schedule, day):
    if date.fromisoformat(day).day % 7 == 0:
        return ""
    lines = ["Time,Device Type,Unique Viewers,Number Of Session,Viewership Minutes"]
    for h in range(24):
        for dev in DEVICES[:3]:
            s = value(1, 50, "v1", schedule, day, h, dev, rev(day))
            lines.append("%s %02d:00:00,%s,%d,%d,%d" % (day, h, dev, max(1, s - 1), s, s * 4))
    return "\n".join(lines) + "\n"


# ---- MediaMelon SmartSight.

def mm_rows(customer, start, end):
    rows = []
    t = start - start % 3600
    while t <= end:
        if t >= start:
            stamp = datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            rows.append({"timestamp": stamp, "viewercount": value(10, 2000, "mv", customer, t), "playtime": value(100, 90000, "mp", customer, t),
                         "rebufferingratio": value(0, 90, "mr", customer, t) / 100.0})
        t += 3600
    return rows


def mm_alerts(customer, start, end):
    out = []
    t = start - start % 3600
    while t <= end:
        if t >= start and value(0, 5, "ma", customer, t) == 0:
            out.append({"alertId": "a-%d" % t, "timestamp": datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "severity": "high", "metric": "rebufferingratio", "value": 2.5})
        t += 3600
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, content_type="application/json", headers=()):
        data = body if isinstance(body, bytes) else (json.dumps(body) if not isinstance(body, str) else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def record(self, url, q):
        with LOCK:
            STATE["log"].append({"method": self.command, "path": url.path, "query": url.query, "headers": dict(self.headers.items())})

    def fault(self):
        with LOCK:
            return STATE["faults"].pop(0) if STATE["faults"] else None

    def do_POST(self):
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length) if length else b""
        self.record(url, {})
        if url.path == "/_control/faults":
            with LOCK:
                STATE["faults"] = list(json.loads(raw)["faults"])
            return self.send(200, {"ok": True})
        if url.path == "/_control/revise":
            with LOCK:
                STATE["revised_from"] = json.loads(raw)["from"]
                STATE["revision"] += 1
            return self.send(200, {"ok": True})
        if url.path == "/_control/expire":
            with LOCK:
                STATE["access"].clear()
            return self.send(200, {"ok": True})
        if url.path == "/generateOAuthToken":
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            with LOCK:
                STATE["log"][-1]["grant"] = form.get("grant_type")
                ok = (form.get("grant_type") == "password" and form.get("username") == MM_USER and form.get("password") == MM_PASSWORD) or \
                     (form.get("grant_type") == "refresh_token" and form.get("refresh_token") in STATE["refresh"])
                if not ok:
                    return self.send(401, {"error": "invalid_grant", "error_description": "Bad credentials"})
                STATE["issued"] += 1
                access, refresh = "mm-access-%d-x" % STATE["issued"], "mm-refresh-%d-x" % STATE["issued"]
                STATE["access"][access] = TOKEN_USES
                STATE["refresh"].add(refresh)
            return self.send(201, {"access_token": access, "token_type": "bearer", "refresh_token": refresh, "expires_in": 18000, "scope": "read write"})
        return self.send(404, {"message": "no such endpoint"})

    def do_GET(self):
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        if url.path == "/_control/log":
            with LOCK:
                return self.send(200, STATE["log"])
        if url.path == "/_control/expected":
            return self.send(200, expected(q))
        self.record(url, q)
        if url.path.startswith("/mm-apis/"):
            return self.mediamelon(url, q)
        if self.headers.get("x-access-token") != TOKEN:
            return self.send(403, {"statusCode": 403, "error": "Forbidden", "message": "Invalid header access-token"})
        if url.path == "/api/v2/channelList":
            chans = [{"channelName": "Channel %s" % c[2:], "channelId": c} for c in CHANNELS]
            return self.send(200, {"viewershipChannels": chans, "adAnalyticsChannels": chans})
        fault = self.fault()
        if fault == "429":
            return self.send(429, {"statusCode": 429, "error": "Too Many Requests", "message": "slow down"}, headers=[("Retry-After", "1")])
        if fault == "500":
            return self.send(500, "<html><head><title>502 Bad Gateway</title></head><body>upstream</body></html>", "text/html")
        if fault == "timeout":
            time.sleep(4)
        if fault == "truncated":
            status, body = amagi_report(q)
            return self.send(200, json.dumps(body)[:-40].encode())
        if fault == "wrong":
            chans = [{"channelName": "Channel %s" % c[2:], "channelId": c} for c in CHANNELS]
            return self.send(200, {"viewershipChannels": chans, "adAnalyticsChannels": chans})
        if fault == "html":
            return self.send(200, "<html><head><title>Maintenance</title></head></html>", "text/html")
        if url.path == "/api/v2":
            status, body = amagi_report(q)
            return self.send(status, body)
        if url.path.startswith("/api/v1/download-reports/"):
            parts = url.path.split("/")
            return self.send(200, scheduled_csv(parts[-2], parts[-1]), "text/csv")
        return self.send(404, {"statusCode": 404, "error": "Not Found", "message": "no such endpoint"})

    def mediamelon(self, url, q):
        auth = self.headers.get("Authorization", "")
        with LOCK:
            ok = self.headers.get("X-API-Key") == MM_KEY
            if not ok and auth.startswith("Bearer ") and STATE["access"].get(auth[7:], 0) > 0:
                STATE["access"][auth[7:]] -= 1
                ok = True
        if not ok:
            return self.send(401, {"detail": "token expired or invalid"})
        customer = url.path.rstrip("/").split("/")[-1]
        period = dict(p.split("=") for p in q["period"].split(","))
        start, end = int(period["start"]), int(period["end"])
        limit, offset = int(q.get("limit", "1000")), int(q.get("offset", "0"))
        if "/getAIAlerts/" in url.path:
            return self.send(200, mm_alerts(customer, start, end)[offset: offset + limit])
        rows = mm_rows(customer, start, end)
        chunk = rows[offset: offset + limit]
        return self.send(200, {"totalcount": len(chunk), "pagecount": max(1, math.ceil(len(rows) / limit)), "totalrecords": len(rows), "response": chunk})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
