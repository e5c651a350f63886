#!/usr/bin/env python3
"""Benchmark of issue 7's reads on SQLite and PostgreSQL (release build; `cargo build --release`
first): the workforce and representation reports over 10,000 practitioners in 20 services, one
practitioner's evidence pack (104 weekly signed-off logs, 60 CPD activities) as JSON, CSV and
HTML, the calendar feed, and a 300,000-event audit CSV export with the server's peak RSS before
and after (the export streams, so memory should not grow with it). Data is inserted in SQL.

usage: benches/workforce_reports.py [--people N] [--events N] [--repeat R] [--backend sqlite|postgres|both]"""
import argparse, json, os, signal, statistics, subprocess, tempfile, time, urllib.request, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "registry")
ADMIN, PASSWORD = "bench-admin@registry.test", "bench-admin-password"
ROLES = ["pwp", "cbt_therapist", "counsellor", "couple_therapist", "dit_practitioner", "ipt_practitioner"]
CODES = "AAAAAAABCDEFGHHJKLMNPRSZ"

SEED = """
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20)
INSERT INTO services (id, name, provider, created_at, updated_at)
SELECT {uid}('4', n), 'Service ' || n, 'Bench NHS FT', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM g;

WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {people})
INSERT INTO users (id, email, email_lower, full_name, password_hash, roles, service_id, practitioner_role, stage, wte,
    started_on, left_on, active, ethnicity, languages, specialist_interests, created_at, updated_at)
SELECT {uid}('1', n), 'p' || n || '@registry.test', 'p' || n || '@registry.test', 'Practitioner ' || n, NULL,
    'practitioner,supervisor', {uid}('4', 1 + n % 20), {role}, CASE WHEN n % 4 = 0 THEN 'trainee' ELSE 'qualified' END,
    CASE n % 3 WHEN 0 THEN 1.0 WHEN 1 THEN 0.8 ELSE 0.6 END,
    CASE n % 4 WHEN 0 THEN {d}'2019-04-01' WHEN 1 THEN {d}'2024-06-01' WHEN 2 THEN {d}'2026-03-01' ELSE {d}'2022-09-01' END,
    CASE WHEN n % 9 = 0 THEN {d}'2026-05-31' END, CASE WHEN n % 9 = 0 THEN {false} ELSE {true} END,
    CASE WHEN n % 11 = 0 THEN NULL ELSE substr('{codes}', 1 + n % {ncodes}, 1) END,
    CASE n % 7 WHEN 0 THEN '["English","Urdu"]' WHEN 1 THEN '["English","Polish"]' WHEN 2 THEN '[]' ELSE '["English"]' END,
    CASE n % 13 WHEN 0 THEN '["Older people"]' WHEN 1 THEN '["Perinatal","Long-term conditions"]' ELSE '[]' END,
    CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM g;

WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 104)
INSERT INTO supervision_logs (id, supervisee_id, supervisor_id, held_on, duration_minutes, supervision_type, format,
    group_size, cases_discussed, notes, status, rejection_reason, reviewed_at, created_by, created_at, updated_at)
SELECT {uid}('5', n), {uid}('1', 1), {uid}('1', 2), {held}, 60, 'case_management', 'individual', NULL, 8, 'review',
    'signed_off', NULL, CURRENT_TIMESTAMP, {uid}('1', 1), CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM g;

WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 60)
INSERT INTO cpd_activities (id, practitioner_id, title, held_on, hours, category, cbt_related, reflective_statement, course_id,
    created_at, updated_at)
SELECT {uid}('3', n), {uid}('1', 1), 'Workshop ' || n, {held}, 1.5, 'workshop', {true}, 'What I learnt', NULL,
    CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM g;

WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {events})
INSERT INTO audit_events (id, at, action, entity_type, entity_id, before_value, after_value)
SELECT {uid}('6', n), CURRENT_TIMESTAMP, 'import', 'bulk', {uid}('6', n), NULL,
    '{{"title":"An imported record with a few fields","hours":1.5,"note":"bench"}}' FROM g;
"""


def call(base, method, path, body=None, token=None, accept="application/json"):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    req.add_header("accept", accept)
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=600) as r:
        return r.read()


def peak_rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(backend, people, events, repeat, port):
    data = tempfile.mkdtemp(prefix="registry-wbench-")
    env = dict(os.environ, REGISTRY_BIND=f"127.0.0.1:{port}", REGISTRY_DATA_DIR=data, REGISTRY_ADMIN_EMAIL=ADMIN,
               REGISTRY_ADMIN_PASSWORD=PASSWORD, RUST_LOG="warn", REGISTRY_REMINDER_INTERVAL_SECS="0")
    role = "CASE n % 6 " + " ".join(f"WHEN {i} THEN '{r}'" for i, r in enumerate(ROLES)) + " END"
    if backend == "sqlite":
        db = f"{data}/registry.db"
        env["DATABASE_URL"] = "sqlite://" + db
        sql = lambda q: subprocess.run(["sqlite3", db], input=q, text=True, check=True, capture_output=True)
        fill = dict(true="1", false="0", d="", held="date('now', '-' || (n * 7) || ' days')")
        uid = "printf('00000000-0000-7000-800%s-%012d', "
    else:
        name = "registry_wbench_" + uuid.uuid4().hex[:8]
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
        sql = lambda q: subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", name, "-qtA", "-v", "ON_ERROR_STOP=1"],
                                       input=q, text=True, check=True, capture_output=True)
        fill = dict(true="TRUE", false="FALSE", d="DATE ", held="CURRENT_DATE - (n * 7)")
        uid = "ID("
    proc = subprocess.Popen([BIN], env=env, cwd=data)
    base = f"http://127.0.0.1:{port}"
    out = {}
    try:
        for _ in range(100):
            try:
                call(base, "GET", "/health")
                break
            except Exception:
                time.sleep(0.1)
        token = json.loads(call(base, "POST", "/api/v1/auth/login", {"email": ADMIN, "password": PASSWORD}))["access_token"]
        if backend == "postgres":
            sql("CREATE FUNCTION ID(k text, n int) RETURNS text AS $$ SELECT '00000000-0000-7000-800' || k || '-' || lpad(n::text, 12, '0') $$ LANGUAGE sql IMMUTABLE;")
        seed = SEED.replace("{uid}(", uid).format(people=people, events=events, role=role, codes=CODES, ncodes=len(CODES), **fill)
        t0 = time.perf_counter()
        sql(seed)
        sql("ANALYZE;")
        out["seed_s"] = time.perf_counter() - t0
        subject = "00000000-0000-7000-8001-000000000001"

        def timed(fn):
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1000)
            return statistics.median(times)

        get = lambda path, accept="application/json": call(base, "GET", path, token=token, accept=accept)
        out["workforce_rows"] = len(json.loads(get("/api/v1/reports/workforce"))["items"])
        out["workforce"] = timed(lambda: get("/api/v1/reports/workforce"))
        out["workforce_csv"] = timed(lambda: get("/api/v1/reports/workforce", "text/csv"))
        rep = json.loads(get("/api/v1/reports/representation"))["items"]
        out["representation_rows"] = len(rep)
        out["suppressed"] = sum(1 for r in rep if r["suppressed"])
        out["representation"] = timed(lambda: get("/api/v1/reports/representation"))
        pack = json.loads(get(f"/api/v1/practitioners/{subject}/evidence-pack?body=BABCP&months=12"))
        out["pack_sessions"] = pack["supervision"]["total_sessions"]
        for kind, accept in [("pack_json", "application/json"), ("pack_csv", "text/csv"), ("pack_html", "text/html")]:
            out[kind] = timed(lambda: get(f"/api/v1/practitioners/{subject}/evidence-pack?body=BABCP&months=12", accept))
        url = json.loads(get("/api/v1/me/calendar-feed"))["url"]
        feed_path = url[url.index("/calendar/"):]
        out["feed"] = timed(lambda: call(base, "GET", feed_path))
        out["rss_before"] = peak_rss_mib(proc.pid)
        t0 = time.perf_counter()
        body = get("/api/v1/audit/events?entity_type=bulk", "text/csv")
        out["audit_csv_s"] = time.perf_counter() - t0
        out["audit_rows"] = body.count(b"\r\n") - 1
        out["audit_mib"] = len(body) / 1048576
        out["rss_after"] = peak_rss_mib(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=40)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=10000)
    ap.add_argument("--events", type=int, default=300000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--backend", default="both")
    a = ap.parse_args()
    print(f"{a.people} practitioners in 20 services; evidence pack of 104 weekly logs and 60 CPD; {a.events} audit events; median of {a.repeat}")
    for i, b in enumerate(["sqlite", "postgres"] if a.backend == "both" else [a.backend]):
        r = run(b, a.people, a.events, a.repeat, 18490 + i)
        print(f"\n{b}: seeded in {r['seed_s']:.1f} s")
        print(f"  workforce ({r['workforce_rows']} rows): JSON {r['workforce']:.0f} ms, CSV {r['workforce_csv']:.0f} ms")
        print(f"  representation ({r['representation_rows']} rows, {r['suppressed']} suppressed): {r['representation']:.0f} ms")
        print(f"  evidence pack ({r['pack_sessions']} sessions): JSON {r['pack_json']:.1f} ms, CSV {r['pack_csv']:.1f} ms, HTML {r['pack_html']:.1f} ms")
        print(f"  calendar feed: {r['feed']:.1f} ms")
        print(f"  audit CSV: {r['audit_rows']} rows, {r['audit_mib']:.0f} MiB in {r['audit_csv_s']:.1f} s; "
              f"peak RSS {r['rss_before']:.0f} MiB before, {r['rss_after']:.0f} MiB after")


if __name__ == "__main__":
    main()
