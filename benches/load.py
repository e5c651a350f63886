#!/usr/bin/env python3
"""Load benchmark of the release binary: requests per second and p99 latency of GET /health and
GET /api/v1/practitioners?limit=50 under the same wrk load, on SQLite and on PostgreSQL, with the
server's peak RSS. Needs `wrk` (Debian package) and `cargo build --release` done first.

usage: benches/load.py [--people N] [--seconds S] [--connections C] [--backend sqlite|postgres|both]

Only loopback is used: the server listens on 127.0.0.1 and wrk targets it. It stops the server
with SIGTERM at the end and reports whether it exited 0."""
import argparse, json, os, re, signal, subprocess, sys, tempfile, time, urllib.request, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "registry")
ADMIN, PASSWORD = "bench-admin@registry.test", "bench-admin-password"


def call(base, method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def wait_up(base, proc):
    for _ in range(200):
        if proc.poll() is not None:
            raise SystemExit("the server exited during start-up")
        try:
            call(base, "GET", "/health")
            return
        except Exception:
            time.sleep(0.1)
    raise SystemExit("the server did not come up")


def wrk(url, token, seconds, connections):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if token:
        cmd[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, float(p99.group(1)) * scale, int(non2xx.group(1)) if non2xx else 0


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run(backend, people, seconds, connections, port):
    data = tempfile.mkdtemp(prefix="registry-bench-")
    env = dict(os.environ, REGISTRY_BIND=f"127.0.0.1:{port}", REGISTRY_DATA_DIR=data,
               REGISTRY_ADMIN_EMAIL=ADMIN, REGISTRY_ADMIN_PASSWORD=PASSWORD, RUST_LOG="warn",
               REGISTRY_REMINDER_INTERVAL_SECS="0")
    dbname = None
    if backend == "sqlite":
        env["DATABASE_URL"] = f"sqlite://{data}/registry.db"
    else:
        dbname = "registry_bench_" + uuid.uuid4().hex[:8]
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {dbname}"], check=True)
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{dbname}"
    proc = subprocess.Popen([BIN], env=env, cwd=data)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(base, proc)
        token = call(base, "POST", "/api/v1/auth/login", {"email": ADMIN, "password": PASSWORD})["access_token"]
        service = call(base, "POST", "/api/v1/services", {"name": "Bench", "provider": "Bench NHS FT"}, token)["id"]
        for i in range(people):
            call(base, "POST", "/api/v1/practitioners", {
                "email": f"p{i}@registry.test", "full_name": f"Practitioner {i}", "service_id": service,
                "practitioner_role": "pwp", "stage": "qualified", "wte": 1.0}, token)
        page = call(base, "GET", "/api/v1/practitioners?limit=50", token=token)
        assert len(page["items"]) == min(50, people), len(page["items"])
        health = wrk(base + "/health", None, seconds, connections)
        listed = wrk(base + "/api/v1/practitioners?limit=50", token, seconds, connections)
        rss = peak_rss_mib(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = "killed"
        if dbname:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE {dbname} WITH (FORCE)"])
    return {"backend": backend, "health": health, "list": listed, "rss": rss, "exit": code}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=500)
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--backend", default="both")
    a = ap.parse_args()
    if not os.path.exists(BIN):
        raise SystemExit("build first: cargo build --release")
    backends = ["sqlite", "postgres"] if a.backend == "both" else [a.backend]
    print(f"wrk -t2 -c{a.connections} -d{a.seconds}s, {a.people} practitioners, release build, {os.cpu_count()} cores")
    print("| backend | endpoint | req/s | p99 ms | non-2xx | list/health |")
    print("|---|---|---|---|---|---|")
    for i, b in enumerate(backends):
        r = run(b, a.people, a.seconds, a.connections, 18190 + i)
        (hr, hp, hn), (lr, lp, ln) = r["health"], r["list"]
        print(f"| {b} | GET /health | {hr:.0f} | {hp:.2f} | {hn} | |")
        print(f"| {b} | GET /api/v1/practitioners?limit=50 | {lr:.0f} | {lp:.2f} | {ln} | {lr / hr:.0%} |")
        print(f"| {b} | peak RSS {r['rss']:.0f} MiB; SIGTERM exit code {r['exit']} | | | | |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
