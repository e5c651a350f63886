#!/usr/bin/env python3
"""Reminders, measured on the release build with a real SMTP receiver on loopback
(benches/smtp_sink.py):
1. two release binaries on one PostgreSQL database, `POST /admin/reminders/run` fired at both at
   the same moment: each reminder must arrive once;
2. a scan over N practitioners (default 10,000) with weekly logs (default 100 each: 1,000,000)
   and 3 credentials each (30,000), on SQLite and PostgreSQL: the time of the run (scan, queue,
   delivery) and emails per second to the receiver.

usage: benches/reminders_scan.py [--people N] [--weeks W] [--backend sqlite|postgres|both] [--skip-two]
                                 [--rules-in-force]"""
import argparse, json, os, signal, subprocess, sys, tempfile, threading, time, urllib.request, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "registry")
SINK = os.path.join(ROOT, "benches", "smtp_sink.py")
ADMIN, PASSWORD = "bench-admin@registry.test", "bench-admin-password"

SEED = """
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {people})
INSERT INTO users (id, email, email_lower, full_name, password_hash, roles, service_id, practitioner_role, stage, wte,
    started_on, active, ethnicity, languages, specialist_interests, created_at, updated_at)
SELECT {uid}('1', n), 'p' || n || '@registry.test', 'p' || n || '@registry.test', 'Practitioner ' || n, NULL, 'practitioner',
    '{service}', 'pwp', 'qualified', 1.0, '2022-01-01', {true}, NULL, '[]', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM g;

WITH RECURSIVE w(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM w WHERE n < {weeks} - 1)
INSERT INTO supervision_logs (id, supervisee_id, supervisor_id, held_on, duration_minutes, supervision_type, format,
    group_size, cases_discussed, notes, status, rejection_reason, reviewed_at, created_by, created_at, updated_at)
SELECT u.id || '-' || w.n, u.id, u.id, {day}, 60, 'case_management', 'individual', NULL, 5, NULL, 'signed_off', NULL, NULL,
    u.id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM users u CROSS JOIN w WHERE u.practitioner_role = 'pwp';

WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {credentials})
INSERT INTO accreditations (id, practitioner_id, body_code, kind, membership_number, valid_from, expires_on, verified_by,
    verified_at, verification_method, verification_reference, created_at, updated_at)
SELECT {uid}('2', n), {uid}('1', 1 + (n % {people})), 'BABCP',
    CASE n % 3 WHEN 0 THEN 'pwp_register' WHEN 1 THEN 'accredited_practitioner' ELSE 'provisional_accreditation' END,
    'M' || n, '2025-01-01', {expiry}, NULL, CURRENT_TIMESTAMP, 'register_lookup', NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM g;
"""


def call(base, method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=1200) as r:
        return json.loads(r.read() or b"null")


def start(env, cwd, port):
    env = dict(env, REGISTRY_BIND=f"127.0.0.1:{port}")
    proc = subprocess.Popen([BIN], env=env, cwd=cwd)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            call(base, "GET", "/health")
            return proc, base
        except Exception:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)


def sink(port, out):
    p = subprocess.Popen([sys.executable, SINK, str(port), out])
    time.sleep(0.5)
    return p


def lines(path):
    """The reminder digests received (the invitations sent to new people are left out)."""
    try:
        with open(path) as f:
            return [l for l in f.read().splitlines()
                    if l.startswith("<delivery-") and "\tYou have been invited" not in l]
    except FileNotFoundError:
        return []


def database(backend, data):
    if backend == "sqlite":
        db = f"{data}/registry.db"
        sql = lambda q: subprocess.run(["sqlite3", db], input=q, text=True, check=True, capture_output=True)
        return "sqlite://" + db, sql, "printf('00000000-0000-7000-800%s-%012d', ", "1", "date('now', '-' || (w.n * 7) || ' days')", "date('now', '+' || (n % 400) || ' days')", None
    name = "registry_rbench_" + uuid.uuid4().hex[:8]
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    sql = lambda q: subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", name, "-qtA", "-v", "ON_ERROR_STOP=1"],
                                   input=q, text=True, check=True, capture_output=True)
    return f"postgres://postgres@127.0.0.1:5432/{name}", sql, "ID(", "TRUE", "CURRENT_DATE - (w.n * 7)", "CURRENT_DATE + (n % 400)", name


def env_for(url, data, smtp_port):
    return dict(os.environ, DATABASE_URL=url, REGISTRY_DATA_DIR=data, REGISTRY_ADMIN_EMAIL=ADMIN, REGISTRY_ADMIN_PASSWORD=PASSWORD,
                RUST_LOG="warn", REGISTRY_REMINDER_INTERVAL_SECS="0", REGISTRY_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}")


def two_instances():
    data = tempfile.mkdtemp(prefix="registry-two-")
    url, sql, uid, true, day, _, name = database("postgres", data)
    out = f"{data}/mail.txt"
    s = sink(2625, out)
    env = env_for(url, data, 2625)
    a, base_a = start(env, data, 18491)
    b, base_b = start(env, data, 18492)
    try:
        token = call(base_a, "POST", "/api/v1/auth/login", {"email": ADMIN, "password": PASSWORD})["access_token"]
        service = call(base_a, "POST", "/api/v1/services", {"name": "Two", "provider": "P"}, token)["id"]
        for i in range(50):
            p = call(base_a, "POST", "/api/v1/practitioners", {"email": f"t{i}@registry.test", "full_name": f"T {i}", "service_id": service,
                     "practitioner_role": "pwp", "stage": "qualified", "wte": 1.0, "started_on": "2024-01-01"}, token)
            call(base_a, "POST", f"/api/v1/practitioners/{p['id']}/accreditations", {"body": "BABCP", "kind": "pwp_register",
                 "membership_number": f"T{i}", "valid_from": "2025-12-01", "expires_on": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 10 * 86400))}, token)
        results = {}
        go = threading.Barrier(2)

        def fire(key, base):
            go.wait()
            results[key] = call(base, "POST", "/api/v1/admin/reminders/run", {}, token)

        threads = [threading.Thread(target=fire, args=(k, u)) for k, u in (("a", base_a), ("b", base_b))]
        [t.start() for t in threads]
        [t.join() for t in threads]
        time.sleep(1)
        got = lines(out)
        ids = [l.split("\t")[0] for l in got]
        print(f"two binaries, one PostgreSQL: run A {results['a']}, run B {results['b']}; "
              f"{len(got)} messages received, {len(set(ids))} distinct Message-IDs, {len(set(l.split(chr(9))[1] for l in got))} recipients")
    finally:
        stop(a)
        stop(b)
        s.kill()
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE {name} WITH (FORCE)"])


def scan(backend, people, weeks, port, rules_in_force=False):
    data = tempfile.mkdtemp(prefix="registry-scan-")
    url, sql, uid, true, day, expiry, name = database(backend, data)
    out = f"{data}/mail.txt"
    s = sink(2626 + port % 10, out)
    proc, base = start(env_for(url, data, 2626 + port % 10), data, port)
    try:
        token = call(base, "POST", "/api/v1/auth/login", {"email": ADMIN, "password": PASSWORD})["access_token"]
        service = call(base, "POST", "/api/v1/services", {"name": "Scan", "provider": "P"}, token)["id"]
        if backend == "postgres":
            sql("CREATE FUNCTION ID(k text, n int) RETURNS text AS $$ SELECT '00000000-0000-7000-800' || k || '-' || lpad(n::text, 12, '0') $$ LANGUAGE sql IMMUTABLE;")
        t0 = time.perf_counter()
        sql(SEED.replace("{uid}(", uid).format(people=people, weeks=weeks, credentials=people * 3, service=service, true=true, day=day, expiry=expiry))
        if rules_in_force:
            # The live-assessment rules as if added years ago: every PWP without assessments is
            # overdue and escalated, the scan's worst case.
            sql("UPDATE live_assessment_rules SET created_at = '2020-01-01 00:00:00';")
        sql("ANALYZE;")
        seeded = time.perf_counter() - t0
        t0 = time.perf_counter()
        r = call(base, "POST", "/api/v1/admin/reminders/run", {}, token)
        took = time.perf_counter() - t0
        time.sleep(1)
        got = len(lines(out))
        t0 = time.perf_counter()
        again = call(base, "POST", "/api/v1/admin/reminders/run", {}, token)
        second = time.perf_counter() - t0
        rate = r['sent'] / max(r['delivery_ms'] / 1000, 0.001)
        print(f"| {backend} | {people} | {people * weeks} | {people * 3} | {r['detected']} | {r['queued']} | {r['sent']} | {got} | "
              f"{r['scan_ms'] / 1000:.1f} s | {r['delivery_ms'] / 1000:.1f} s ({rate:.0f}/s) | {second:.1f} s (queued {again['queued']}, sent {again['sent']}) |")
        sys.stdout.flush()
    finally:
        stop(proc)
        s.kill()
        if name:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE {name} WITH (FORCE)"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=10000)
    ap.add_argument("--weeks", type=int, default=100)
    ap.add_argument("--backend", default="both")
    ap.add_argument("--skip-two", action="store_true")
    ap.add_argument("--rules-in-force", action="store_true",
                    help="live-assessment rules older than a year: every PWP overdue (worst case)")
    a = ap.parse_args()
    if not a.skip_two:
        two_instances()
    if a.people <= 0:
        return
    print("| backend | practitioners | logs | credentials | detected | queued | digests sent | received | scan + queue | delivery (emails/s) | second run |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for i, b in enumerate(["sqlite", "postgres"] if a.backend == "both" else [a.backend]):
        scan(b, a.people, a.weeks, 18493 + i, a.rules_in_force)


if __name__ == "__main__":
    main()
