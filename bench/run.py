"""`make bench`: the board under load, on PostgreSQL, as it runs in production.

1. Starts a throwaway PostgreSQL cluster (Debian's package) and fills it:
   migrate, import_seeds, generate_postings --count $BENCH_SIZE (100,000 by
   default; BENCH_SIZE=1000000 for the big run).
2. Serves the app with gunicorn and production settings (DEBUG off), twice:
   with the shared page cache (the database cache), and with no cache, so
   both the cached and the uncached cost are measured.
3. Drives each scenario with wrk on loopback after a warm-up: requests/s,
   p50/p95/p99 latency, errors, and the workers' peak memory.
4. Measures the comparisons in the same run (listing vs a trivial page,
   keyword search vs the admin's search, the listing while clients export,
   our exports vs django-import-export) and writes BENCHMARKS.md and
   bench/results.json.
"""

import json
import os
import platform
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import render, runs_of  # noqa: E402

BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python"
SIZE = int(os.environ.get("BENCH_SIZE", "100000"))
DURATION = int(os.environ.get("BENCH_DURATION", "15"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
EXPORT_ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", str(min(SIZE, 100_000))))
RESULTS = ROOT / "bench" / "results.json"
REPORT = ROOT / "BENCHMARKS.md"


def log(message):
    print(f"==> {message}", flush=True)


def as_root(*command):
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*prefix, *command], check=True)


def ensure_packages():
    need = []
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        need.append("postgresql")
    if not shutil.which("wrk"):
        need.append("wrk")
    if need:
        log(f"Installing Debian packages: {' '.join(need)}")
        as_root("apt-get", "update", "-qq")
        as_root(
            "env", "DEBIAN_FRONTEND=noninteractive",
            "apt-get", "install", "-y", "-qq", "--no-install-recommends", *need,
        )  # fmt: skip


class Postgres:
    """A throwaway cluster, tuned for a 2-core, 24 GiB machine."""

    def __init__(self, port=54340):
        self.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="jobboard-bench-pg."))
        self.dir.chmod(0o755)
        self.user = (
            "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
        )

    def run(self, *command, check=True, **kwargs):
        if os.geteuid() == 0:
            command = ("runuser", "-u", "postgres", "--", *command)
        return subprocess.run(command, check=check, **kwargs)

    def start(self):
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        data = self.dir / "data"
        self.run(
            str(self.bin / "initdb"), "-D", str(data), "--encoding=UTF8",
            "--locale=C.UTF-8", "--auth=trust", "-U", self.user,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        options = " ".join(
            [
                f"-p {self.port}",
                f"-k {self.dir}",
                "-c listen_addresses=127.0.0.1",
                "-c shared_buffers=4GB",
                "-c effective_cache_size=16GB",
                "-c work_mem=32MB",
                "-c maintenance_work_mem=1GB",
                "-c random_page_cost=1.1",
                "-c jit=off",
                "-c max_connections=200",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_wal_size=8GB",
            ]
        )
        self.run(
            str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"),
            "-w", "-o", options, "start", stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                 "-U", self.user, "jobboard")  # fmt: skip
        return f"postgres://{self.user}@127.0.0.1:{self.port}/jobboard"

    def vacuum(self):
        """VACUUM ANALYZE, as after any bulk load: otherwise autovacuum works
        through the freshly written tables (tens of millions of rows) while
        the scenarios are being measured."""
        self.run(str(self.bin / "vacuumdb"), "-h", "127.0.0.1", "-p", str(self.port),
                 "-U", self.user, "--analyze", "--quiet", "jobboard")  # fmt: skip

    def version(self):
        out = subprocess.run(
            [str(self.bin / "postgres"), "--version"], capture_output=True, text=True
        )
        return out.stdout.strip()

    def stop(self):
        self.run(
            str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "stop",
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        shutil.rmtree(self.dir, ignore_errors=True)


def manage(env, *args, capture=False):
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT, env=env, check=True, text=True,
        capture_output=capture,
    )  # fmt: skip
    return result.stdout if capture else None


class Server:
    """gunicorn with the project's gunicorn.conf.py, as in production."""

    def __init__(self, env, port, cache, log_path):
        self.env = {
            **env,
            "DJANGO_CACHE": cache,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_ACCESSLOG": "",
        }
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self.process = None

    def start(self):
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "jobboard.wsgi:application"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start: {Path(self.log_path).read_text()}")

    def worker_pids(self):
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self):
        self.process.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown
        self.process.wait(timeout=60)
        self.log.close()


class MemorySampler:
    """Peak resident memory of the given processes, sampled every 50 ms."""

    def __init__(self, pids):
        self.pids, self.peak_kb, self._stop = pids, 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for pid in self.pids:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmRSS:"):
                        self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()


def cpu_seconds(server):
    """Each process's kind and the CPU seconds it has used so far, by pid.
    The kinds: the server under load, the other app server, PostgreSQL,
    wrk, the writer and the rest (this script, the system's daemons)."""
    used = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        pid = int(stat.parent.name)
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        ppid, ticks = int(fields[1]), int(fields[11]) + int(fields[12])
        if server.process.pid in (pid, ppid):
            kind = "app"
        elif b"gunicorn" in cmdline:
            kind = "other app server"
        elif comm == "postgres":
            kind = "PostgreSQL"
        elif comm == "wrk":
            kind = "wrk"
        elif b"bench/writer.py" in cmdline:
            kind = "writer"
        else:
            kind = "other"
        used[pid] = (kind, ticks / CLOCK_TICKS)
    return used


def cpu_used(before, after):
    """CPU seconds by kind of process between two cpu_seconds() readings
    (a process that ended in between is not counted)."""
    used = {}
    for pid, (kind, seconds) in after.items():
        was = before.get(pid)
        start = was[1] if was and was[0] == kind else 0.0
        used[kind] = used.get(kind, 0.0) + seconds - start
    return {kind: round(seconds, 2) for kind, seconds in sorted(used.items())}


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def wrk(
    server, path, *, duration=DURATION, connections=CONNECTIONS, paths=None, headers=()
):
    """requests/s, latency percentiles and errors for one scenario."""
    path = urllib.parse.quote(path, safe="/?=&")
    env = {**os.environ, "WRK_PATHS": str(paths or "")}
    command = [
        "wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s",
        "-s", str(ROOT / "bench" / "report.lua"),
    ]  # fmt: skip
    for header in headers:
        command += ["-H", header]
    # Warm-up: caches, connections and the operating system's page cache.
    # Each page is asked for once on its own first, so a cached run measures
    # cached pages rather than a crowd of connections missing at once.
    for each in Path(paths).read_text().split() if paths else [path]:
        with urllib.request.urlopen(server.url + each, timeout=600) as response:
            response.read()
    subprocess.run([*command[:3], "-d3s", *command[4:], server.url + path], env=env,
                   capture_output=True, check=True)  # fmt: skip
    before, children = cpu_seconds(server), resource.getrusage(resource.RUSAGE_CHILDREN)
    with MemorySampler(server.worker_pids()) as memory:
        out = subprocess.run([*command, server.url + path], env=env, capture_output=True,
                             text=True, check=True)  # fmt: skip
    after, waited = cpu_seconds(server), resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(
        line for line in out.stdout.splitlines() if line.startswith("WRK_JSON ")
    )
    result = json.loads(line.removeprefix("WRK_JSON "))
    result["peak_worker_mb"] = round(memory.peak_kb / 1024, 1)
    result["cpu_s"] = cpu_used(before, after)
    # wrk has exited by the second reading: its time is the children's.
    result["cpu_s"]["wrk"] = round(
        waited.ru_utime + waited.ru_stime - children.ru_utime - children.ru_stime, 2
    )
    return result


def timed_gets(url, count, headers=None):
    """Sequential requests, for pages too slow to load-test: p50/p95 in ms."""
    timings = []
    for _ in range(count):
        request = urllib.request.Request(url, headers=headers or {})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()
            status = response.status
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
    timings.sort()
    return {
        "requests": count,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.95))], 2),
    }


def download(server, path, headers=None):
    """One export download: seconds, bytes and the serving worker's peak memory."""
    request = urllib.request.Request(server.url + path, headers=headers or {})
    with MemorySampler(server.worker_pids()) as memory:
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=1800) as response:
            size = 0
            while chunk := response.read(1 << 16):
                size += len(chunk)
        seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "bytes": size,
        "peak_worker_mb": round(memory.peak_kb / 1024, 1),
    }


def probe(env, writer, export_format, rows, workdir):
    output = workdir / f"{writer}-{rows}.{export_format}"
    out = subprocess.run(
        [str(PYTHON), "bench/export_probe.py", "--writer", writer, "--format", export_format,
         "--rows", str(rows), "--output", str(output)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    output.unlink(missing_ok=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def commit():
    """The code measured: the commit, marked when the tree had changes."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           cwd=ROOT, capture_output=True, text=True).stdout.strip()  # fmt: skip
    return f"{head or 'unknown'}{' with uncommitted changes' if dirty else ''}"


def machine():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def main():
    ensure_packages()
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", ".[bench]"],
                   cwd=ROOT, check=True)  # fmt: skip
    postgres = Postgres()
    workdir = Path(tempfile.mkdtemp(prefix="jobboard-bench."))
    servers = []
    finished = False
    results = {
        "started": datetime.now().isoformat(timespec="seconds"),
        "size": SIZE,
        "commit": commit(),
    }
    try:
        database_url = postgres.start()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DATABASE_URL": database_url,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_STATIC_ROOT": str(workdir / "static"),
            "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
            "GUNICORN_THREADS": os.environ.get("GUNICORN_THREADS", "4"),
        }
        results["machine"] = {**machine(), "postgresql": postgres.version()}
        results["config"] = {
            "workers": int(env["WEB_CONCURRENCY"]),
            "threads": int(env["GUNICORN_THREADS"]),
            "connections": CONNECTIONS,
            "duration": DURATION,
        }
        log(f"Preparing PostgreSQL with {SIZE:,} postings")
        manage(env, "migrate", "--noinput", "-v0")
        manage({**env, "DJANGO_CACHE": "database"}, "createcachetable")
        manage(env, "collectstatic", "--noinput", "-v0")
        manage(env, "import_seeds", "-v0")
        started = time.perf_counter()
        manage(env, "generate_postings", "--count", str(SIZE - 77))
        results["generate_seconds"] = round(time.perf_counter() - started, 1)
        postgres.vacuum()
        session = (
            manage(env, "shell", "-c", ADMIN_SESSION, capture=True)
            .strip()
            .splitlines()[-1]
        )
        ids_file = workdir / "detail-paths.txt"
        ids = manage(env, "shell", "-c", DETAIL_IDS, capture=True).split()
        ids_file.write_text("\n".join(f"/postings/{pk}/" for pk in ids if pk.isdigit()))

        cached = Server(env, 8400, "database", workdir / "gunicorn-cached.log").start()
        uncached = Server(env, 8401, "dummy", workdir / "gunicorn-uncached.log").start()
        servers += [cached, uncached]

        scenarios = {
            "floor (robots.txt)": "/robots.txt",
            "listing": "/",
            "listing, typical filters": "/?province=新疆&education=本科&experience=3",
            "search, 1 character (岗)": "/?q=岗",
            "search, 2 characters (风控)": "/?q=风控",
            "search, 4 characters (客户经理)": "/?q=客户经理",
            "page 1": "/?page=1",
            "deep page (500)": "/?page=500",
            "insights, typical filters": "/insights/?province=新疆&education=本科"
            "&experience=3",
        }
        log("First requests on a fresh board (uncached): each query's first answer")
        results["cold"] = {
            label: timed_gets(uncached.url + quote(path), 1)["p50_ms"]
            for label, path in scenarios.items()
            if label != "floor (robots.txt)"
        }

        results["cached"], results["uncached"] = {}, {}
        for label, path in scenarios.items():
            log(f"wrk: {label}")
            results["cached"][label] = wrk(cached, path)
            results["uncached"][label] = wrk(uncached, path)
        log("wrk: detail pages")
        results["cached"]["detail"] = wrk(cached, "/", paths=ids_file)
        results["uncached"]["detail"] = wrk(uncached, "/", paths=ids_file)

        log("One request at a time, uncached: listing and keyword queries")
        results["uncached_sequential"] = {
            label: timed_gets(uncached.url + quote(path), 50)
            for label, path in scenarios.items()
            if label.startswith(("listing", "search", "insights"))
        }

        log("Mixed workload: the same load while an HR editor saves once a second")
        results["with_writer"] = with_writer(
            env, session, ids_file, cached, uncached, scenarios
        )

        log("Facet counts against exact SQL counts")
        results["count_accuracy"] = json.loads(
            manage(env, "shell", "-c", COUNT_ACCURACY, capture=True)
            .strip()
            .splitlines()[-1]
        )

        log("Admin changelist search vs keyword search (uncached, sequential)")
        cookie = {"Cookie": f"sessionid={session}"}
        results["admin_search"] = {}
        for q in ("岗", "风控", "客户经理"):
            quoted = urllib.parse.quote(q)
            results["admin_search"][q] = {
                "admin": timed_gets(
                    f"{uncached.url}/admin/postings/posting/?q={quoted}", 5, cookie
                ),
                "ours": timed_gets(f"{uncached.url}/?q={quoted}", 20),
            }

        log("Sitemaps, uncached, one request at a time")
        results["sitemaps"] = {
            label: timed_gets(uncached.url + path, 10)
            for label, path in (
                ("index", "/sitemap.xml"),
                ("a page of open postings", "/sitemap-postings.xml"),
            )
        }

        log("Listing under load while 8 clients keep exporting")
        results["exports_under_load"] = exports_under_load(env, uncached, scenarios)

        # The public export stops at EXPORT_MAX_ROWS; staff export everything
        # from the admin, through the same writers.
        log("Admin exports of every posting")
        results["admin_export"] = {
            export_format: download(
                uncached, f"/admin/postings/posting/export/{export_format}/", cookie
            )
            for export_format in ("csv", "xlsx")
        }

        log(f"Exports of {EXPORT_ROWS:,} rows: ours vs django-import-export")
        results["exports"] = []
        for export_format in ("csv", "xlsx"):
            for writer, rows in (
                ("ours", EXPORT_ROWS // 10),
                ("ours", EXPORT_ROWS),
                ("import-export", EXPORT_ROWS),
            ):
                log(f"  {writer} {export_format} {rows:,}")
                results["exports"].append(
                    probe(env, writer, export_format, rows, workdir)
                )

        results["imports"] = measure_imports(env, workdir)
        finished = True
    finally:
        for server in servers:
            server.stop()
        postgres.stop()
        if finished:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            # What went wrong is in the servers' logs: keep them, and the
            # figures measured before it.
            partial = workdir / "results.partial.json"
            partial.write_text(json.dumps(results, ensure_ascii=False, indent=2))
            log(f"Figures measured before the failure: {partial}")
            for server_log in sorted(workdir.glob("*.log")):
                log(f"{server_log} (last lines):")
                print("\n".join(server_log.read_text().splitlines()[-40:]))

    results["finished"] = datetime.now().isoformat(timespec="seconds")
    # Each board size keeps its latest run, so a 100,000 run does not
    # replace the figures of the 1,000,000 one.
    runs = runs_of(json.loads(RESULTS.read_text())) if RESULTS.exists() else {}
    runs[SIZE] = results
    stored = {"runs": {str(size): runs[size] for size in sorted(runs)}}
    RESULTS.write_text(json.dumps(stored, ensure_ascii=False, indent=2) + "\n")
    REPORT.write_text(render(runs))
    log(f"Wrote {REPORT.relative_to(ROOT)} and {RESULTS.relative_to(ROOT)}")


# --- HR table import: ours vs django-import-export -------------------------------
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
# django-import-export takes about two minutes per 1,000 rows here; its run
# of every-row-edited files is kept to the smaller file unless asked for.
IMPORT_EXPORT_EDITED_ROWS = int(os.environ.get("BENCH_IMPORT_EDITED_ROWS", "1000"))


def import_probe(env, *args):
    out = subprocess.run(
        [str(PYTHON), "bench/import_probe.py", *map(str, args)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout else None


def measure_imports(env, workdir):
    """Preview + apply of our own admin export, unchanged and with every row
    edited, at IMPORT_ROWS and a tenth of it; each run in a fresh process
    and rolled back, so each sees the same board."""
    runs = []
    for scenario in ("unchanged", "edited"):
        for rows in (IMPORT_ROWS // 10, IMPORT_ROWS):
            path = workdir / f"import-{scenario}-{rows}.xlsx"
            import_probe(env, "make", "--rows", rows, "--scenario", scenario,
                         "--output", path)  # fmt: skip
            tools = ["ours"]
            if scenario == "unchanged" and rows == IMPORT_ROWS:
                tools.append("import-export")
            if scenario == "edited" and rows == IMPORT_EXPORT_EDITED_ROWS:
                tools.append("import-export")
            for tool in tools:
                log(f"  import {scenario} {rows:,} rows: {tool}")
                result = import_probe(env, "run", "--tool", tool, "--file", path)
                runs.append({**result, "scenario": scenario, "rows": rows})
    return runs


ADMIN_SESSION = """
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True})
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""

DETAIL_IDS = """
from postings.models import Posting
ids = Posting.objects.open_now().order_by("?").values_list("pk", flat=True)[:500]
print("\\n".join(str(i) for i in ids))
"""


# What the mixed workload measures: the pages visitors load most.
WRITER_SCENARIOS = (
    "listing, typical filters",
    "search, 1 character (岗)",
    "search, 2 characters (风控)",
    "search, 4 characters (客户经理)",
    "page 1",
    "deep page (500)",
)


def with_writer(env, session, ids_file, cached, uncached, scenarios):
    """Each scenario under load, cached and uncached, while bench/writer.py
    edits a random posting once a second through the admin."""
    runs = len(WRITER_SCENARIOS) + 1  # and the detail pages
    seconds = runs * 2 * (DURATION + 8)
    writer = subprocess.Popen(
        [str(PYTHON), "bench/writer.py", cached.url, session, str(ids_file), str(seconds)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    measured = {"cached": {}, "uncached": {}}
    try:
        for label in WRITER_SCENARIOS:
            log(f"wrk with the writer: {label}")
            measured["cached"][label] = wrk(cached, scenarios[label])
            measured["uncached"][label] = wrk(uncached, scenarios[label])
        measured["cached"]["detail"] = wrk(cached, "/", paths=ids_file)
        measured["uncached"]["detail"] = wrk(uncached, "/", paths=ids_file)
    finally:
        writer.terminate()
        out, _ = writer.communicate(timeout=120)
    lines = [line for line in (out or "").splitlines() if line.startswith("{")]
    measured["writer"] = json.loads(lines[-1]) if lines else {"edits": 0, "failed": -1}
    return measured


def quote(path):
    return urllib.parse.quote(path, safe="/?=&")


# --- Exports under load -----------------------------------------------------------
EXPORTERS = 8
LOADED_SCENARIO = "listing, typical filters"

# The largest public export the board allows: every open posting, or the
# province with the most open postings within the row cap.
LARGEST_PUBLIC_EXPORT = """
import json
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from postings import board
from postings.filters import PostingFilter
from postings.models import Posting
current, today, cap = board.current(), timezone.localdate(), settings.EXPORT_MAX_ROWS
def summary(query):
    filterset = PostingFilter(QueryDict(query), queryset=Posting.objects.open_now())
    assert filterset.is_valid()
    return current.summary(filterset, today)
everything = summary("")
choices = [("", everything.total)] + [
    (f"province={value}", count) for value, count in everything.counts["province"].items()
]
query, rows = max((c for c in choices if c[1] <= cap), key=lambda c: c[1], default=("", 0))
print(json.dumps({"query": query, "rows": rows, "cap": cap}, ensure_ascii=False))
"""


class Exporter(threading.Thread):
    """A client downloading the same export again and again, doing what the
    answer says: reading the file, or waiting Retry-After seconds."""

    def __init__(self, url, stop):
        super().__init__(daemon=True)
        self.url, self.stop = url, stop
        self.statuses, self.seconds = {}, []

    def run(self):
        while not self.stop.is_set():
            started = time.perf_counter()
            wait = 0
            try:
                with urllib.request.urlopen(self.url, timeout=600) as response:
                    while response.read(1 << 16):
                        pass
                    status = response.status
                self.seconds.append(time.perf_counter() - started)
            except urllib.error.HTTPError as refused:
                status = refused.code
                wait = int(refused.headers.get("Retry-After") or 1)
            except OSError:
                status = "failed"
                wait = 1
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.stop.wait(wait)


def exports_under_load(env, server, scenarios):
    """The listing's p95 under wrk's load, without and then with EXPORTERS
    clients exporting the largest xlsx the public export serves (uncached,
    so the listing does its full work and no page cache hides the cost)."""
    largest = json.loads(
        manage(env, "shell", "-c", LARGEST_PUBLIC_EXPORT, capture=True)
        .strip()
        .splitlines()[-1]
    )
    path = "/export.xlsx" + (f"?{largest['query']}" if largest["query"] else "")
    listing = scenarios[LOADED_SCENARIO]
    without = wrk(server, listing)
    stop = threading.Event()
    exporters = [Exporter(server.url + quote(path), stop) for _ in range(EXPORTERS)]
    for exporter in exporters:
        exporter.start()
    try:
        loaded = wrk(server, listing)
    finally:
        stop.set()
        for exporter in exporters:
            exporter.join(timeout=600)
    statuses, seconds = {}, []
    for exporter in exporters:
        seconds += exporter.seconds
        for status, count in exporter.statuses.items():
            statuses[str(status)] = statuses.get(str(status), 0) + count
    seconds.sort()
    return {
        "scenario": LOADED_SCENARIO,
        "export": {**largest, "path": path},
        "exporters": EXPORTERS,
        "without": without,
        "with": loaded,
        "statuses": statuses,
        "export_p50_s": round(statistics.median(seconds), 2) if seconds else None,
    }


COUNT_ACCURACY = """
import json
from django.http import QueryDict
from django.utils import timezone
from postings import board
from postings.filters import PostingFilter
from postings.models import Education, Posting
queries = ["province=新疆&education=本科&experience=3", "q=岗", "q=风控", "q=客户经理", ""]
report = []
current = board.current()
for query in queries:
    filterset = PostingFilter(QueryDict(query), queryset=Posting.objects.open_now())
    assert filterset.is_valid()
    summary = current.summary(filterset, timezone.localdate())
    exact_total = filterset.qs.count()
    worst, checked = 0.0, 0
    for name, counts in summary.counts.items():
        if name == "education":
            continue
        for value, count in counts.items():
            if count < 0.01 * max(summary.total, 1):
                continue
            chosen = filterset.data.copy()
            chosen[name] = value
            exact = PostingFilter(chosen, queryset=Posting.objects.open_now()).qs.count()
            checked += 1
            worst = max(worst, abs(count - exact) / max(exact, 1))
    report.append({"query": query, "total": summary.total, "exact_total": exact_total,
                   "values_checked": checked, "worst_error": worst})
print(json.dumps(report, ensure_ascii=False))
"""


def ratio(numerator, denominator):
    return round(numerator / denominator, 2) if denominator else None


if __name__ == "__main__":
    main()
