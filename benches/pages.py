#!/usr/bin/env python3
"""The web pages against the JSON API, on the release build: 1,000 practitioners with 100 weekly
logs each (100,000), on SQLite and PostgreSQL. wrk measures, with a session cookie or a bearer
token, requests per second and p99 latency of
  - the practitioner's home page (`GET /`), beside the API's compliance endpoint for the same
    person (`GET /api/v1/practitioners/{id}/supervision-compliance`): the page should cost no
    more than 1.5 times the API call;
  - a supervisor's countersigning queue of 50 logs (`GET /sign-off`), beside the API's list of
    the same 50 (`GET /api/v1/supervision-logs?supervisor_id=...&status=submitted`).
It also weighs each page with its stylesheet and script.

usage: benches/pages.py [--backend sqlite|postgres|both] [--seconds S]"""
import argparse, json, os, re, subprocess, sys, tempfile, time, urllib.parse, urllib.request, uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reminders_scan import BIN, ADMIN, PASSWORD, SEED, call, database, start, stop  # noqa: E402

PWP_PASSWORD = "bench-practitioner-password"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def sign_in(base, email, password):
    """The session cookie from `POST /login`, as a browser gets it."""
    body = urllib.parse.urlencode({"email": email, "password": password}).encode()
    req = urllib.request.Request(base + "/login", data=body, method="POST")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(req)
    except urllib.error.HTTPError as e:
        if e.code != 303:
            raise
        return e.headers["set-cookie"].split(";")[0]
    raise SystemExit("sign-in did not redirect")


def get(base, path, header):
    req = urllib.request.Request(base + path)
    k, v = header.split(": ", 1)
    req.add_header(k, v)
    with urllib.request.urlopen(req) as r:
        return r.read()


def wrk(url, header, seconds):
    out = subprocess.run(["wrk", "-t1", "-c4", f"-d{seconds}s", "--latency", "-H", header, url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} failed responses\n{out}")
    return rps, float(p99.group(1)) * scale


def run(backend, seconds, port):
    data = tempfile.mkdtemp(prefix="registry-pages-")
    url, sql, uid, true, day, expiry, name = database(backend, data)
    env = dict(os.environ, DATABASE_URL=url, REGISTRY_DATA_DIR=data, REGISTRY_ADMIN_EMAIL=ADMIN,
               REGISTRY_ADMIN_PASSWORD=PASSWORD, RUST_LOG="warn", REGISTRY_REMINDER_INTERVAL_SECS="0")
    proc, base = start(env, data, port)
    try:
        admin = call(base, "POST", "/api/v1/auth/login", {"email": ADMIN, "password": PASSWORD})["access_token"]
        service = call(base, "POST", "/api/v1/services", {"name": "Bench", "provider": "P"}, admin)["id"]
        people = {}
        for who, roles in (("sup", ["supervisor"]), ("pwp", ["practitioner"])):
            people[who] = call(base, "POST", "/api/v1/practitioners", {
                "email": f"{who}@registry.test", "full_name": f"Bench {who}", "service_id": service,
                "practitioner_role": "pwp", "stage": "qualified", "wte": 1.0, "started_on": "2022-01-01",
                "roles": roles, "password": PWP_PASSWORD}, admin)["id"]
        if backend == "postgres":
            sql("CREATE FUNCTION ID(k text, n int) RETURNS text AS $$ SELECT '00000000-0000-7000-800' || k || '-' || lpad(n::text, 12, '0') $$ LANGUAGE sql IMMUTABLE;")
        sql(SEED.replace("{uid}(", uid).format(people=1000, weeks=100, credentials=3000, service=service, true=true, day=day, expiry=expiry))
        # The measured practitioner's 100 weeks are in the seed (it logs every pwp); 50 more
        # sessions wait for the supervisor.
        wait_day = day.replace("w.n * 7", "w.n")
        sql(f"""WITH RECURSIVE w(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM w WHERE n < 49)
            INSERT INTO supervision_logs (id, supervisee_id, supervisor_id, held_on, duration_minutes, supervision_type, format,
                group_size, cases_discussed, notes, status, rejection_reason, reviewed_at, created_by, created_at, updated_at)
            SELECT '{uuid.uuid4()}'::text || '-' || w.n, '{people['pwp']}', '{people['sup']}', {wait_day}, 50, 'clinical_skills', 'individual',
                NULL, 2, 'Discussed a case', 'submitted', NULL, NULL, '{people['pwp']}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM w;""".replace("'::text", "'" if backend == "sqlite" else "'::text"))
        sql("ANALYZE;")
        logs = call(base, "GET", f"/api/v1/supervision-logs?supervisor_id={people['sup']}&status=submitted&limit=500", None, admin)
        assert len(logs["items"]) == 50, len(logs["items"])
        pwp_cookie = "Cookie: " + sign_in(base, "pwp@registry.test", PWP_PASSWORD)
        sup_cookie = "Cookie: " + sign_in(base, "sup@registry.test", PWP_PASSWORD)
        pwp_token = call(base, "POST", "/api/v1/auth/login", {"email": "pwp@registry.test", "password": PWP_PASSWORD})["access_token"]
        sup_token = call(base, "POST", "/api/v1/auth/login", {"email": "sup@registry.test", "password": PWP_PASSWORD})["access_token"]
        home = get(base, "/", pwp_cookie).decode()
        assert "Compliant" in home or "Due soon" in home or "Overdue" in home
        queue = get(base, "/sign-off", sup_cookie).decode()
        assert queue.count('name="ids"') == 50, queue.count('name="ids"')
        css = get(base, re.search(r'href="(/assets/registry\.css[^"]*)"', home).group(1), pwp_cookie)
        js = get(base, re.search(r'src="(/assets/registry\.js[^"]*)"', queue).group(1), sup_cookie)
        rows = [
            ("home page `GET /`", base + "/", pwp_cookie),
            ("API compliance", f"{base}/api/v1/practitioners/{people['pwp']}/supervision-compliance", "Authorization: Bearer " + pwp_token),
            ("queue page `GET /sign-off` (50)", base + "/sign-off", sup_cookie),
            ("API list of the 50", f"{base}/api/v1/supervision-logs?supervisor_id={people['sup']}&status=submitted", "Authorization: Bearer " + sup_token),
        ]
        measured = []
        for label, u, h in rows:
            wrk(u, h, 2)  # warm
            rps, p99 = wrk(u, h, seconds)
            measured.append((label, rps, p99))
            print(f"| {backend} | {label} | {rps:.0f} | {p99:.1f} ms |")
            sys.stdout.flush()
        print(f"| {backend} | home page cost / API call | {measured[1][1] / measured[0][1]:.2f} | |")
        print(f"| {backend} | queue page cost / API list | {measured[3][1] / measured[2][1]:.2f} | |")
        print(f"weights: home {len(home.encode()) / 1024:.1f} KB, queue of 50 {len(queue.encode()) / 1024:.1f} KB, "
              f"stylesheet {len(css) / 1024:.1f} KB, script {len(js) / 1024:.1f} KB; "
              f"home with stylesheet {(len(home.encode()) + len(css)) / 1024:.1f} KB; "
              f"queue with both {(len(queue.encode()) + len(css) + len(js)) / 1024:.1f} KB")
    finally:
        stop(proc)
        if name:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE {name} WITH (FORCE)"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="both", choices=["sqlite", "postgres", "both"])
    ap.add_argument("--seconds", type=int, default=10)
    a = ap.parse_args()
    if not os.path.exists(BIN):
        raise SystemExit("build it first: cargo build --release")
    print("| backend | what | requests/s | p99 |\n|---|---|---|---|")
    for i, b in enumerate(["sqlite", "postgres"] if a.backend == "both" else [a.backend]):
        run(b, a.seconds, 18600 + i)


if __name__ == "__main__":
    main()
