#!/usr/bin/env python3
"""Benchmark of GET /api/v1/reports/accreditation for a service of 2,000 practitioners holding
5,000 credentials (with 5 CPD activities each), JSON (every page of 500) and CSV, on SQLite and
PostgreSQL. Needs `cargo build --release` first. People and credentials are inserted in SQL.

usage: benches/accreditation_report.py [--people N] [--repeat R] [--backend sqlite|postgres|both]"""
import argparse, json, os, signal, statistics, subprocess, tempfile, time, urllib.request, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "registry")
ADMIN, PASSWORD = "bench-admin@registry.test", "bench-admin-password"

SEED = """
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {people})
INSERT INTO users (id, email, email_lower, full_name, password_hash, roles, service_id, practitioner_role, stage, wte,
    started_on, active, ethnicity, languages, specialist_interests, created_at, updated_at)
SELECT {uid}('1', n), 'p' || n || '@registry.test', 'p' || n || '@registry.test', 'Practitioner ' || n, NULL, 'practitioner',
    '{service}', 'cbt_therapist', 'qualified', 1.0, '2022-01-01', {true}, NULL, '[]', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM g;

WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {credentials})
INSERT INTO accreditations (id, practitioner_id, body_code, kind, membership_number, valid_from, expires_on, verified_by,
    verified_at, verification_method, verification_reference, created_at, updated_at)
SELECT {uid}('2', n), {uid}('1', 1 + (n % {people})), 'BABCP', 'accredited_practitioner', 'M' || n, '2026-01-01', '2027-01-01',
    NULL, CASE WHEN n % 2 = 0 THEN CURRENT_TIMESTAMP END, 'register_lookup', NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM g;

WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {activities})
INSERT INTO cpd_activities (id, practitioner_id, title, held_on, hours, category, cbt_related, reflective_statement, course_id,
    created_at, updated_at)
SELECT {uid}('3', n), {uid}('1', 1 + (n % {people})), 'Workshop', '2026-06-01', 1.5, 'workshop', {true}, 'Reflection', NULL,
    CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM g;
"""


def call(base, method, path, body=None, token=None, accept="application/json"):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    req.add_header("accept", accept)
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=300) as r:
        return r.read()


def run(backend, people, repeat, port):
    data = tempfile.mkdtemp(prefix="registry-abench-")
    env = dict(os.environ, REGISTRY_BIND=f"127.0.0.1:{port}", REGISTRY_DATA_DIR=data, REGISTRY_ADMIN_EMAIL=ADMIN,
               REGISTRY_ADMIN_PASSWORD=PASSWORD, RUST_LOG="warn", REGISTRY_REMINDER_INTERVAL_SECS="0")
    if backend == "sqlite":
        db = f"{data}/registry.db"
        env["DATABASE_URL"] = "sqlite://" + db
        sql = lambda q: subprocess.run(["sqlite3", db], input=q, text=True, check=True, capture_output=True)
        true = "1"
        uid = "printf('00000000-0000-7000-800%s-%012d', "
    else:
        name = "registry_abench_" + uuid.uuid4().hex[:8]
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
        sql = lambda q: subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", name, "-qtA", "-v", "ON_ERROR_STOP=1"],
                                       input=q, text=True, check=True, capture_output=True)
        true = "TRUE"
        uid = "ID("
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
        if backend == "postgres":
            sql("CREATE FUNCTION ID(k text, n int) RETURNS text AS $$ SELECT '00000000-0000-7000-800' || k || '-' || lpad(n::text, 12, '0') $$ LANGUAGE sql IMMUTABLE;")
        sql(SEED.replace("{uid}(", uid).format(people=people, credentials=people * 5 // 2, activities=people * 5, service=service, true=true))
        sql("ANALYZE;")

        def json_all():
            cursor, rows = None, 0
            while True:
                path = "/api/v1/reports/accreditation?limit=500" + (f"&cursor={cursor}" if cursor else "")
                page = json.loads(call(base, "GET", path, token=token))
                rows += len(page["items"])
                cursor = page["next_cursor"]
                if not cursor:
                    return rows

        def timed(fn):
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1000)
            return statistics.median(times)

        rows = json_all()
        first_page = timed(lambda: call(base, "GET", "/api/v1/reports/accreditation?limit=500", token=token))
        all_json = timed(json_all)
        csv = call(base, "GET", "/api/v1/reports/accreditation", token=token, accept="text/csv")
        all_csv = timed(lambda: call(base, "GET", "/api/v1/reports/accreditation", token=token, accept="text/csv"))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=40)
    return rows, csv.count(b"\r\n") - 1, first_page, all_json, all_csv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--backend", default="both")
    a = ap.parse_args()
    print(f"{a.people} practitioners, {a.people * 5 // 2} credentials, {a.people * 5} CPD activities; median of {a.repeat}; release build")
    print("| backend | JSON rows | CSV rows | one JSON page of 500 | every JSON page | CSV (all rows) |")
    print("|---|---|---|---|---|---|")
    for i, b in enumerate(["sqlite", "postgres"] if a.backend == "both" else [a.backend]):
        rows, csv_rows, page, all_json, all_csv = run(b, a.people, a.repeat, 18390 + i)
        print(f"| {b} | {rows} | {csv_rows} | {page:.0f} ms | {all_json:.0f} ms | {all_csv:.0f} ms |")


if __name__ == "__main__":
    main()
