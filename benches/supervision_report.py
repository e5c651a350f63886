#!/usr/bin/env python3
"""Benchmark of GET /api/v1/reports/supervision-compliance for a whole service: 1,000 practitioners
with two years of weekly logs (about 100,000), on SQLite and PostgreSQL, against the bare aggregate
query the report needs, run directly in sqlite3 and psql. Needs `cargo build --release` first.

usage: benches/supervision_report.py [--people N] [--weeks W] [--repeat R] [--backend sqlite|postgres|both]

People are created through the API; logs are inserted in SQL (the API would take minutes to
seed them). Only loopback is used."""
import argparse, json, os, signal, statistics, subprocess, tempfile, time, urllib.request, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "registry")
ADMIN, PASSWORD = "bench-admin@registry.test", "bench-admin-password"

# The two queries behind the report, written out by hand: the widest window's logs, and the
# latest session per kind. Dates are relative to today in each dialect.
BARE_SQLITE = """
SELECT supervisee_id, held_on, duration_minutes, supervision_type, format, group_size, status FROM supervision_logs
 WHERE status <> 'rejected' AND held_on > date('now', '-30 days') AND held_on <= date('now');
SELECT supervisee_id, supervision_type, format, group_size, MAX(held_on) FROM supervision_logs
 WHERE status <> 'rejected' AND held_on <= date('now') GROUP BY supervisee_id, supervision_type, format, group_size;
"""
BARE_PG = BARE_SQLITE.replace("date('now', '-30 days')", "CURRENT_DATE - 30").replace("date('now')", "CURRENT_DATE")


def call(base, method, path, body=None, token=None, accept="application/json"):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    req.add_header("accept", accept)
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=300) as r:
        return r.read()


def seed_sql(weeks, today_sql):
    """Weekly individual case management (signed off) for every PWP, going back `weeks` weeks."""
    return f"""
WITH RECURSIVE w(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM w WHERE n < {weeks - 1})
INSERT INTO supervision_logs (id, supervisee_id, supervisor_id, held_on, duration_minutes, supervision_type, format,
    group_size, cases_discussed, notes, status, rejection_reason, reviewed_at, created_by, created_at, updated_at)
SELECT u.id || '-' || w.n, u.id, (SELECT id FROM users WHERE email = 'sup@registry.test'), {today_sql},
    60, 'case_management', 'individual', NULL, 5, NULL, 'signed_off', NULL, NULL, u.id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
FROM users u CROSS JOIN w WHERE u.practitioner_role = 'pwp';
"""


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def run(backend, people, weeks, repeat, port):
    data = tempfile.mkdtemp(prefix="registry-sbench-")
    env = dict(os.environ, REGISTRY_BIND=f"127.0.0.1:{port}", REGISTRY_DATA_DIR=data, REGISTRY_ADMIN_EMAIL=ADMIN,
               REGISTRY_ADMIN_PASSWORD=PASSWORD, RUST_LOG="warn", REGISTRY_REMINDER_INTERVAL_SECS="0")
    if backend == "sqlite":
        db = f"{data}/registry.db"
        env["DATABASE_URL"] = "sqlite://" + db
        sql = lambda q: subprocess.run(["sqlite3", db], input=q, text=True, check=True, capture_output=True)
        today_sql = "date('now', '-' || (w.n * 7) || ' days')"
        bare = BARE_SQLITE
    else:
        name = "registry_sbench_" + uuid.uuid4().hex[:8]
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
        sql = lambda q: subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", name, "-qtA", "-v", "ON_ERROR_STOP=1"],
                                       input=q, text=True, check=True, capture_output=True)
        today_sql = "CURRENT_DATE - (w.n * 7)"
        bare = BARE_PG
    proc = subprocess.Popen([BIN], env=env, cwd=data)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                call(base, "GET", "/health")
                break
            except Exception:
                time.sleep(0.1)
        token = json.loads(call(base, "POST", "/api/v1/auth/login", {"email": ADMIN, "password": PASSWORD}))["access_token"]
        service = json.loads(call(base, "POST", "/api/v1/services", {"name": "Bench", "provider": "Bench NHS FT"}, token))["id"]
        call(base, "POST", "/api/v1/practitioners", {"email": "sup@registry.test", "full_name": "Supervisor", "service_id": service,
             "practitioner_role": "cbt_therapist", "stage": "qualified", "wte": 1.0, "roles": ["supervisor"]}, token)
        for i in range(people):
            call(base, "POST", "/api/v1/practitioners", {"email": f"p{i}@registry.test", "full_name": f"Practitioner {i}",
                 "service_id": service, "practitioner_role": "pwp", "stage": "qualified", "wte": 1.0, "started_on": "2023-01-01"}, token)
        sql(seed_sql(weeks, today_sql))
        sql("ANALYZE;" if backend == "sqlite" else "VACUUM ANALYZE;")
        logs = sql("SELECT COUNT(*) FROM supervision_logs;").stdout.strip().splitlines()
        bare_ms = timed(lambda: sql(bare), repeat)
        noop_ms = timed(lambda: sql("SELECT 1;"), repeat)

        def json_all():
            cursor, rows = None, 0
            while True:
                path = "/api/v1/reports/supervision-compliance?limit=500" + (f"&cursor={cursor}" if cursor else "")
                page = json.loads(call(base, "GET", path, token=token))
                rows += len(page["items"])
                cursor = page["next_cursor"]
                if not cursor:
                    return rows

        rows = json_all()
        json_ms = timed(json_all, repeat)
        csv_ms = timed(lambda: call(base, "GET", "/api/v1/reports/supervision-compliance", token=token, accept="text/csv"), repeat)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=40)
    return {"backend": backend, "logs": logs[-1].strip() if logs else "?", "rows": rows, "bare_ms": bare_ms,
            "client_ms": noop_ms, "json_ms": json_ms, "csv_ms": csv_ms}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=1000)
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--backend", default="both")
    a = ap.parse_args()
    backends = ["sqlite", "postgres"] if a.backend == "both" else [a.backend]
    print(f"{a.people} practitioners x {a.weeks} weekly logs; median of {a.repeat}; release build")
    print("| backend | logs | report rows | bare queries (CLI) | CLI start-up alone | bare less start-up | JSON, all pages | CSV | CSV / bare |")
    print("|---|---|---|---|---|---|---|---|---|")
    for i, b in enumerate(backends):
        r = run(b, a.people, a.weeks, a.repeat, 18290 + i)
        net = max(r["bare_ms"] - r["client_ms"], 0.001)
        print(f"| {b} | {r['logs']} | {r['rows']} | {r['bare_ms']:.0f} ms | {r['client_ms']:.0f} ms | {net:.0f} ms "
              f"| {r['json_ms']:.0f} ms | {r['csv_ms']:.0f} ms | {r['csv_ms'] / net:.1f}x |")


if __name__ == "__main__":
    main()
