#!/usr/bin/env python3
"""Importing a staff list of 10,000 rows on the release build, on SQLite and PostgreSQL:
1. on the command line (`registry import practitioners FILE --service ID`), a dry run then the
   real import, each timed, with the process's peak memory (`/usr/bin/time -v`);
2. through the API (`POST /api/v1/imports/practitioners`, another 10,000 people), a dry run then
   the real import, each timed, with the server's resident memory before and its peak after.
Then the same file again (nothing changes: the idempotent path). Goal: under 5 s each on SQLite.

usage: benches/imports.py [--rows N] [--backend sqlite|postgres|both]"""
import argparse, json, os, re, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reminders_scan import ADMIN, BIN, PASSWORD, call, database, start, stop  # noqa: E402


def staff_list(path, rows, prefix):
    with open(path, "w", encoding="utf8") as f:
        f.write("Email,Full name,Practitioner role,Stage,WTE,Start date\r\n")
        for n in range(rows):
            role = "pwp" if n % 3 else "Psychological Wellbeing Practitioner"
            f.write(f"{prefix}{n}@nhs.test,Person {prefix} {n},{role},{'trainee' if n % 5 == 0 else 'qualified'},"
                    f"{0.5 + (n % 6) / 10:.1f},{1 + n % 28:02d}/0{1 + n % 9}/2025\r\n")


def cli(env, cwd, path, service, dry):
    args = ["/usr/bin/time", "-v", BIN, "import", "practitioners", path, "--service", service] + (["--dry-run"] if dry else [])
    t0 = time.perf_counter()
    p = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True)
    took = time.perf_counter() - t0
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    if p.returncode != 0:
        raise SystemExit(f"import failed: {p.stdout[-2000:]} {p.stderr[-2000:]}")
    # The import's own time, and the invitations' delivery after it, as the command prints them.
    own = re.search(r"imported: .* in ([0-9.]+) s", p.stdout)
    sent = re.search(r"invitations: .* in ([0-9.]+) s", p.stdout)
    if own:
        took = f"{float(own.group(1)):.2f} s + {float(sent.group(1)) if sent else 0:.2f} s sending"
    else:
        took = f"{took:.2f} s"
    return took, int(peak.group(1)) / 1024 if peak else 0.0


def api(base, token, path, service, dry):
    with open(path, "rb") as f:
        body = f.read()
    req = urllib.request.Request(f"{base}/api/v1/imports/practitioners?service_id={service}&dry_run={'true' if dry else 'false'}",
                                 data=body, method="POST")
    req.add_header("content-type", "text/csv")
    req.add_header("authorization", "Bearer " + token)
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=600) as r:
        report = json.loads(r.read())
    return time.perf_counter() - t0, report


def memory(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def run(backend, rows, port):
    data = tempfile.mkdtemp(prefix="registry-import-")
    url, sql, *_rest, name = database(backend, data)
    env = dict(os.environ, DATABASE_URL=url, REGISTRY_DATA_DIR=data, REGISTRY_ADMIN_EMAIL=ADMIN, REGISTRY_ADMIN_PASSWORD=PASSWORD,
               RUST_LOG="warn", REGISTRY_REMINDER_INTERVAL_SECS="0")
    proc, base = start(env, data, port)
    try:
        token = call(base, "POST", "/api/v1/auth/login", {"email": ADMIN, "password": PASSWORD})["access_token"]
        service = call(base, "POST", "/api/v1/services", {"name": "Imports", "provider": "P"}, token)["id"]
        a, b = f"{data}/cli.csv", f"{data}/api.csv"
        staff_list(a, rows, "c")
        staff_list(b, rows, "a")
        dry, dry_mb = cli(env, data, a, service, True)
        real, real_mb = cli(env, data, a, service, False)
        again, _ = cli(env, data, a, service, False)
        print(f"| {backend} | command line | {rows} | {dry} ({dry_mb:.0f} MB) | {real} ({real_mb:.0f} MB) | {again} |")
        before = memory(proc.pid, "VmRSS")
        dry, r1 = api(base, token, b, service, True)
        real, r2 = api(base, token, b, service, False)
        again, r3 = api(base, token, b, service, False)
        peak = memory(proc.pid, "VmHWM")
        assert r2["created"] == rows and r3["unchanged"] == rows, (r2["created"], r3["unchanged"])
        print(f"| {backend} | API | {rows} | {dry:.2f} s | {real:.2f} s | {again:.2f} s | server {before:.0f} MB before, {peak:.0f} MB peak |")
        sys.stdout.flush()
    finally:
        stop(proc)
        if name:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE {name} WITH (FORCE)"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--backend", default="both")
    a = ap.parse_args()
    print("| backend | through | rows | dry run | import | same file again | memory |")
    print("|---|---|---|---|---|---|---|")
    for i, b in enumerate(["sqlite", "postgres"] if a.backend == "both" else [a.backend]):
        run(b, a.rows, 18611 + i)


if __name__ == "__main__":
    main()
