#!/usr/bin/env python3
"""The service dashboard on the release build: one service of 2,000 practitioners with 100 weekly
logs each (200,000) and 5,000 credentials, on SQLite and PostgreSQL. Times N sequential requests
of the API's `GET /api/v1/reports/dashboard` and of the page `GET /dashboard` (signed in), and
prints p50 and p99. Its query count is fixed whatever the size (tests/api/dashboard.rs counts it).

usage: benches/dashboard.py [--people N] [--weeks W] [--credentials C] [--requests R] [--backend sqlite|postgres|both]"""
import argparse, os, statistics, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reminders_scan import ADMIN, PASSWORD, SEED, call, database, start, stop  # noqa: E402
from pages import sign_in  # noqa: E402


def timed(url, header, n):
    k, v = header.split(": ", 1)
    times = []
    for _ in range(n):
        req = urllib.request.Request(url)
        req.add_header(k, v)
        t0 = time.perf_counter()
        with urllib.request.urlopen(req, timeout=600) as r:
            body = r.read()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return statistics.median(times), p99, len(body)


def run(backend, a, port):
    data = tempfile.mkdtemp(prefix="registry-dash-")
    url, sql, uid, true, day, expiry, name = database(backend, data)
    env = dict(os.environ, DATABASE_URL=url, REGISTRY_DATA_DIR=data, REGISTRY_ADMIN_EMAIL=ADMIN, REGISTRY_ADMIN_PASSWORD=PASSWORD,
               RUST_LOG="warn", REGISTRY_REMINDER_INTERVAL_SECS="0")
    proc, base = start(env, data, port)
    try:
        token = call(base, "POST", "/api/v1/auth/login", {"email": ADMIN, "password": PASSWORD})["access_token"]
        service = call(base, "POST", "/api/v1/services", {"name": "Dashboard", "provider": "P"}, token)["id"]
        if backend == "postgres":
            sql("CREATE FUNCTION ID(k text, n int) RETURNS text AS $$ SELECT '00000000-0000-7000-800' || k || '-' || lpad(n::text, 12, '0') $$ LANGUAGE sql IMMUTABLE;")
        sql(SEED.replace("{uid}(", uid).format(people=a.people, weeks=a.weeks, credentials=a.credentials, service=service,
                                               true=true, day=day, expiry=expiry))
        sql("ANALYZE;")
        cookie = sign_in(base, ADMIN, PASSWORD)
        q = f"?service_id={service}"
        api = timed(f"{base}/api/v1/reports/dashboard{q}", f"Authorization: Bearer {token}", a.requests)
        page = timed(f"{base}/dashboard{q}", f"Cookie: {cookie}", a.requests)
        print(f"| {backend} | {a.people} | {a.people * a.weeks} | {a.credentials} | {api[0]:.0f} ms | {api[1]:.0f} ms | "
              f"{page[0]:.0f} ms | {page[1]:.0f} ms | {page[2] / 1024:.1f} KB |")
        sys.stdout.flush()
    finally:
        stop(proc)
        if name:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE {name} WITH (FORCE)"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=2000)
    ap.add_argument("--weeks", type=int, default=100)
    ap.add_argument("--credentials", type=int, default=5000)
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--backend", default="both")
    a = ap.parse_args()
    print("| backend | practitioners | logs | credentials | API p50 | API p99 | page p50 | page p99 | page HTML |")
    print("|---|---|---|---|---|---|---|---|---|")
    for i, b in enumerate(["sqlite", "postgres"] if a.backend == "both" else [a.backend]):
        run(b, a, 18601 + i)


if __name__ == "__main__":
    main()
