#!/usr/bin/env python3
"""make e2e: tend-static as PID 1 of OCI containers (runc) with real servers from Debian.

Each scenario prints one line, PASS or FAIL with its figures; the run ends with
"N passed, N failed" and exits 1 if any failed. Work files go to a temporary directory,
removed at the end unless E2E_KEEP=1; every container is deleted, also on failure.
Usage: tests/e2e/run.py [SCENARIO...]   (as root; runc and the servers installed)
"""

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oci  # noqa: E402
from oci import Error, wait_for  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEND = os.path.join(REPO, "build", "tend-static")
PG_BIN = "/usr/lib/postgresql/15/bin"


def check(cond, what):
    if not cond:
        raise Error(what)


class Scenario:
    """One scenario's directory and containers; figures for its line."""

    def __init__(self, work, name):
        self.name = name
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir)
        self.containers = []
        self.figures = []

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def container(self, tag, args, **kw):
        b = oci.Bundle(self.path(tag), TEND, args, **kw)
        c = oci.Container(b, f"tend-e2e-{os.getpid()}-{self.name}-{tag}")
        self.containers.append(c)
        return c.start()

    def note(self, text):
        self.figures.append(text)

    def cleanup(self):
        for c in self.containers:
            c.delete()


def user_ids(name):
    pw = pwd.getpwnam(name)
    return pw.pw_uid, pw.pw_gid


def redis_ready(c):
    wait_for(lambda: c.exec(["redis-cli", "ping"], check=False)[1].strip() == "PONG", 30,
             "redis to answer PING")


def resp(*words):
    out = f"*{len(words)}\r\n"
    for w in words:
        out += f"${len(w.encode())}\r\n{w}\r\n"
    return out


def write_keys(c, n):
    data = "".join(resp("SET", f"key:{i}", str(i)) for i in range(n)).encode()
    _, out = c.exec(["redis-cli", "--pipe"], stdin=data, timeout=120)
    check(f"errors: 0, replies: {n}" in out, f"redis-cli --pipe: {out.strip()}")


def dbsize(c):
    return int(c.exec(["redis-cli", "dbsize"])[1].strip())


# --- 1. A single command: redis-server.
def scenario_redis(s):
    data = s.path("data")
    os.makedirs(data)
    redis = ["/sbin/tend", "--", "redis-server", "--save", "60 1", "--dir", "/data",
             "--bind", "127.0.0.1", "--port", "6379", "--appendonly", "no"]
    c = s.container("first", redis, binds=[(data, "/data")])
    redis_ready(c)
    write_keys(c, 10000)
    check(dbsize(c) == 10000, "10000 keys written")
    status, took, killed = c.stop()
    out, err = c.output()
    check(not killed, f"stopped without SIGKILL (took {took:.2f}s)")
    check(status == 0, f"container exit status {status}, want 0:\n{err[-2000:]}")
    check("DB saved on disk" in out + err, "redis logged its save on shutdown")
    s.note(f"stop {took:.2f}s, exit {status}")
    c2 = s.container("second", redis, binds=[(data, "/data")])
    redis_ready(c2)
    n = dbsize(c2)
    check(n == 10000, f"the second container found {n} keys, want 10000")
    s.note(f"{n} keys in a new container")
    c2.stop()


# --- 2. A single command: postgres, with and without --stop-signal INT.
def init_postgres(data):
    os.makedirs(data)
    uid, gid = user_ids("postgres")
    os.chown(data, uid, gid)
    subprocess.run(["runuser", "-u", "postgres", "--", PG_BIN + "/initdb", "-D", data,
                    "--auth=trust", "--no-sync"], check=True, capture_output=True)


def pg_state(data):
    r = subprocess.run([PG_BIN + "/pg_controldata", data], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if line.startswith("Database cluster state:"):
            return line.split(":", 1)[1].strip()
    return "?"


def psql(c, sql, check_status=True):
    return c.exec(["psql", "-h", "/tmp", "-U", "postgres", "-Atc", sql], check=check_status,
                  user="postgres")


def pg_ready(c):
    wait_for(lambda: c.exec(["pg_isready", "-h", "/tmp"], check=False)[0] == 0, 60,
             "postgres to accept connections")


def postgres_stop_with_client(s, tag, data, tend_options):
    args = ["/sbin/tend"] + tend_options + ["--", PG_BIN + "/postgres", "-D", "/data",
                                             "-k", "/tmp", "-c", "listen_addresses="]
    c = s.container(tag, args, binds=[(data, "/data")], user=user_ids("postgres"),
                    env=["TEND_SOCKET=/tmp/tend.sock"])
    pg_ready(c)
    if tag == "int":
        psql(c, "CREATE TABLE t (n int); INSERT INTO t SELECT generate_series(1, 1000);")
    # A client that stays connected, idle, through the stop.
    uid, gid = user_ids("postgres")
    client = subprocess.Popen(["runc", "exec", "--user", f"{uid}:{gid}", c.name, "psql", "-h",
                               "/tmp", "-U", "postgres"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    wait_for(lambda: psql(c, "SELECT count(*) FROM pg_stat_activity WHERE "
                             "backend_type = 'client backend'")[1].strip() == "2",
             20, "the psql client to connect")
    status, took, killed = c.stop()
    client.stdin.close()
    client.wait(timeout=30)
    return status, took, killed


def scenario_postgres(s):
    data = s.path("pgdata")
    init_postgres(data)
    status, took, killed = postgres_stop_with_client(s, "int", data, ["--stop-signal", "INT"])
    state = pg_state(data)
    check(not killed, f"--stop-signal INT: SIGKILL was needed (took {took:.2f}s)")
    check(status == 0, f"--stop-signal INT: exit status {status}, want 0")
    check(state == "shut down", f"--stop-signal INT: pg_controldata says {state!r}")
    s.note(f"--stop-signal INT: stop {took:.2f}s, exit {status}, {state}")
    # Without the option: docker's TERM is postgres' smart shutdown, which waits for the
    # idle client; tend's SIGKILL comes at its stop timeout (8 s, inside docker's 10 s),
    # and the next start replays the WAL. Why --stop-signal INT exists.
    status, took, killed = postgres_stop_with_client(s, "term", data, [])
    state = pg_state(data)
    s.note(f"TERM: smart shutdown waited for the client, killed after {took:.1f}s, "
           f"exit {status}, {state}")
    check(not killed and status == 137 and state == "in production",
          "TERM: expected tend's SIGKILL at its stop timeout (exit 137, in production)")
    c = s.container("check", ["/sbin/tend", "--", PG_BIN + "/postgres", "-D", "/data", "-k",
                              "/tmp", "-c", "listen_addresses="],
                    binds=[(data, "/data")], user=user_ids("postgres"),
                    env=["TEND_SOCKET=/tmp/tend.sock"])
    pg_ready(c)
    rows = psql(c, "SELECT count(*) FROM t")[1].strip()
    check(rows == "1000", f"rows after both stops: {rows}, want 1000")
    s.note(f"{rows} rows intact")
    c.stop()


# --- 3. Several programs from a supervisord file.
SUPERVISORD_CONF = """\
[supervisord]
nodaemon=true
logfile=/dev/null

[program:nginx]
command=nginx -c /etc/supervisor/conf.d/nginx.conf.in -g 'daemon off;'
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
redirect_stderr=true

[program:redis]
command=redis-server --save 60 1 --dir /data/redis --bind 127.0.0.1 --port 6379
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
redirect_stderr=true

[program:postgres]
command=/usr/lib/postgresql/15/bin/postgres -D /data/pg -k /tmp -c listen_addresses=
user=postgres
stopsignal=INT
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
redirect_stderr=true

[program:worker]
command=sh -c 'trap "echo worker: bye; exit 0" TERM; echo worker: up; while :; do sleep 1; done'
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
"""

NGINX_CONF = """\
worker_processes 2;
pid /tmp/nginx.pid;
error_log stderr notice;
events {}
http {
  access_log off;
  server { listen 127.0.0.1:8080; root /data/www; }
}
"""


def scenario_supervisord(s):
    data = s.path("data")
    os.makedirs(os.path.join(data, "redis"))
    os.makedirs(os.path.join(data, "www"))
    with open(os.path.join(data, "www", "index.html"), "w") as f:
        f.write("hello\n")
    init_postgres(os.path.join(data, "pg"))
    etc = s.path("etc")
    os.makedirs(etc)
    with open(os.path.join(etc, "app.conf"), "w") as f:
        f.write(SUPERVISORD_CONF)
    with open(os.path.join(etc, "nginx.conf.in"), "w") as f:
        f.write(NGINX_CONF)
    args = ["/sbin/tend", "-c", "/etc/supervisor/conf.d/app.conf"]
    c = s.container("app", args, binds=[(data, "/data"), (etc, "/etc/supervisor/conf.d")])
    redis_ready(c)
    pg_ready(c)
    write_keys(c, 1000)
    psql(c, "CREATE TABLE t (n int); INSERT INTO t SELECT generate_series(1, 1000);")
    wait_for(lambda: c.exec(["curl", "-sf", "http://127.0.0.1:8080/"], check=False)[1]
             == "hello\n", 30, "nginx to serve")
    c.exec(["/sbin/tend", "ctl", "wait", "--timeout", "30s", "nginx", "redis", "postgres",
            "worker"])
    _, status_out = c.exec(["/sbin/tend", "ctl", "status"])
    check(status_out.count("RUNNING") == 4, f"four programs RUNNING:\n{status_out}")
    status, took, killed = c.stop()
    out, err = c.output()
    log = out + err
    check(not killed and status == 0, f"exit {status}, killed {killed}:\n{err[-3000:]}")
    check("SIGKILL" not in log, "nothing was killed")
    for prefix, last in [("redis", "Redis is now ready to exit, bye bye"),
                         ("postgres", "database system is shut down"),
                         ("nginx", "exit"),
                         ("worker", "worker: bye")]:
        check(any(line.startswith(prefix) and "|" in line and last in line
                  for line in log.splitlines()),
              f"{prefix}'s last line {last!r}, prefixed, in the container's output")
    state = pg_state(os.path.join(data, "pg"))
    check(state == "shut down", f"pg_controldata says {state!r}")
    check(os.path.exists(os.path.join(data, "redis", "dump.rdb")), "redis saved dump.rdb")
    s.note(f"stop {took:.2f}s with 4 programs, exit {status}, postgres {state}, "
           f"redis saved")


# --- 4. A critical program exits 3.
def scenario_critical(s):
    etc = s.path("etc")
    os.makedirs(etc)
    with open(os.path.join(etc, "app.conf"), "w") as f:
        f.write("[program:redis]\ncommand = redis-server --save '' --bind 127.0.0.1\n"
                "[program:job]\ncommand = sh -c 'sleep 1; echo job: failing; exit 3'\n"
                "critical = true\nstartsecs = 0\nrestart = never\n")
    c = s.container("app", ["/sbin/tend", "-c", "/etc/tend/conf.d"],
                    binds=[(etc, "/etc/tend/conf.d")])
    begin = time.monotonic()
    status = c.wait(timeout=30)
    took = time.monotonic() - begin
    out, err = c.output()
    check(status == 3, f"container exit status {status}, want 3:\n{err[-2000:]}")
    check("redis: stopped" in err and "SIGKILL" not in err,
          f"redis stopped cleanly:\n{err[-2000:]}")
    s.note(f"exit {status} {took:.1f}s after the start, redis stopped cleanly")


def tend_ctl(c, *args, check=True):
    return c.exec(["/sbin/tend", "ctl"] + list(args), check=check)


def ctl_pid(c, name):
    return int(tend_ctl(c, "pid", name)[1].strip())


def ctl_status(c, name):
    """The program's entry in `tendctl status --json`."""
    return json.loads(tend_ctl(c, "status", "--json", name, check=False)[1])[0]


def conf_dir(s, files):
    """A configuration directory bound writable at /etc/tend/conf.d: files maps names to
    contents."""
    etc = s.path("etc")
    os.makedirs(etc, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(etc, name), "w") as f:
            f.write(text)
    return (etc, "/etc/tend/conf.d")


def stamp_ms(line):
    """The milliseconds since midnight of a line that starts with tend's RFC 3339 stamp."""
    t = line.split(" ", 1)[0]  # 2026-11-23T13:49:46.123Z
    h, m, sec = t[11:23].split(":")
    return (int(h) * 3600 + int(m) * 60) * 1000 + round(float(sec) * 1000)


# --- 5. A crash: kill -9 of redis from `docker exec`.
def scenario_crash(s):
    data = s.path("data")
    os.makedirs(data)
    etc = conf_dir(s, {"redis.conf": (
        "[tend]\nlog_timestamps = true\n"
        "[program:redis]\ncommand = redis-server --appendonly yes --appendfsync always "
        "--save '' --dir /data --bind 127.0.0.1 --port 6379\n")})
    c = s.container("app", ["/sbin/tend", "-c", "/etc/tend/conf.d"],
                    binds=[(data, "/data"), etc])
    redis_ready(c)
    write_keys(c, 1000)
    # Past the first second: a program that dies sooner is restarted after its backoff.
    wait_for(lambda: ctl_status(c, "redis")["uptime_ms"] > 1100, 10, "redis to be up a second")
    old = ctl_pid(c, "redis")
    c.exec(["kill", "-9", str(old)])
    wait_for(lambda: c.exec(["redis-cli", "ping"], check=False)[1].strip() == "PONG"
             and ctl_pid(c, "redis") != old, 30, "redis to run again")
    new = ctl_pid(c, "redis")
    _, err = c.output()
    lines = err.splitlines()
    died = [ln for ln in lines if "redis: was killed by SIGKILL" in ln]
    started = [ln for ln in lines if f"tend: redis: started (pid {new})" in ln]
    check(died and started, f"tend logged the death and the restart:\n{err[-2000:]}")
    gap = stamp_ms(started[-1]) - stamp_ms(died[-1])
    check(0 <= gap <= 50, f"restart {gap} ms after the exit, want at most 50 ms")
    n = dbsize(c)
    check(n == 1000, f"{n} keys after the crash, want 1000")
    s.note(f"pid {old} -> {new}, restarted {gap} ms after the exit, {n} keys kept")
    c.stop()


# --- 6. Orphans: 20 double-forked processes that exit at once, 20 after a second.
def scenario_orphans(s):
    c = s.container("app", ["/sbin/tend", "-v", "--", "sleep", "1000000"])
    # Their output elsewhere: runc exec would wait for the end of its pipes.
    burst = ("exec >/dev/null 2>&1; "
             "for i in $(seq 20); do (sh -c 'exit 0' &); (sh -c 'sleep 1' &); done")
    c.exec(["sh", "-c", burst])
    begin = time.monotonic()

    def settled():
        _, ps = c.exec(["ps", "-eo", "stat=,args="])
        procs = [line.split(None, 1) for line in ps.splitlines() if line.strip()]
        return not any(p[0].startswith("Z") or p[1:] == ["sleep 1"] for p in procs)
    try:
        wait_for(settled, 3, "no zombie and no orphan left")
    except Error:
        raise Error("left after 3s:\n" + c.exec(["ps", "-eo", "pid,ppid,stat,args"])[1])
    took = time.monotonic() - begin
    _, ps = c.exec(["ps", "-eo", "stat="])
    zombies = sum(1 for st in ps.split() if st.startswith("Z"))
    check(zombies == 0, f"{zombies} zombies")
    _, err = c.output()
    reaped = err.count("reaped orphan")
    check(reaped >= 40, f"tend reaped {reaped} orphans, want 40:\n{err[-2000:]}")
    s.note(f"{reaped} orphans reaped, none left {took:.1f}s after the burst, 0 zombies")
    status, _, killed = c.stop()
    check(status == 143 and not killed, f"exit {status} after the stop, want 143 (sleep's TERM)")


# --- 7. Reload: a program added, one changed, one unchanged.
def scenario_reload(s):
    etc = conf_dir(s, {"app.conf": (
        "[program:keep]\ncommand = sleep 1000001\n"
        "[program:change]\ncommand = sleep 1000002\n")})
    c = s.container("app", ["/sbin/tend", "-c", "/etc/tend/conf.d"], binds=[etc])
    tend_ctl(c, "wait", "--timeout", "10s", "keep", "change")
    keep, change = ctl_pid(c, "keep"), ctl_pid(c, "change")
    c.exec(["sh", "-c", "sed -i 's/sleep 1000002/sleep 1000003/' /etc/tend/conf.d/app.conf && "
                        "printf '[program:added]\\ncommand = sleep 1000004\\n' "
                        "> /etc/tend/conf.d/added.conf"])
    _, out = tend_ctl(c, "reload")
    check("added added" in out and "changed change" in out and "1 unchanged" in out,
          f"tendctl reload said: {out.strip()}")
    tend_ctl(c, "wait", "--timeout", "10s", "keep", "change", "added")
    check(ctl_pid(c, "keep") == keep, "the unchanged program kept its pid")
    check(ctl_pid(c, "change") != change, "the changed program has a new pid")
    _, ps = c.exec(["ps", "-eo", "args="])
    check("sleep 1000003" in ps and "sleep 1000002" not in ps and "sleep 1000004" in ps,
          f"the new commands run:\n{ps}")
    s.note(f"reload: {out.strip()}; keep kept pid {keep}")
    status, took, killed = c.stop()
    check(status == 0 and not killed, f"exit {status} after the stop")


# --- 8. Health: what a HEALTHCHECK or a Kubernetes probe runs.
def scenario_health(s):
    etc = conf_dir(s, {"redis.conf": (
        "[program:redis]\ncommand = redis-server --save '' --bind 127.0.0.1 --port 6379\n"
        "ready = tcp:6379\nhealth = exec:redis-cli ping\nhealth_interval = 500ms\n"
        "health_timeout = 1s\nhealth_retries = 2\nstopwaitsecs = 2\n")})
    c = s.container("app", ["/sbin/tend", "-c", "/etc/tend/conf.d"], binds=[etc])

    def health():
        return tend_ctl(c, "health", check=False)
    wait_for(lambda: health()[0] == 0, 20, "tendctl health to pass")
    old = ctl_pid(c, "redis")
    c.exec(["kill", "-STOP", str(old)])
    begin = time.monotonic()
    wait_for(lambda: health()[0] != 0, 20, "tendctl health to fail")
    failed_after = time.monotonic() - begin
    _, why = health()
    wait_for(lambda: health()[0] == 0, 30, "tendctl health to pass again")
    recovered_after = time.monotonic() - begin
    new = ctl_pid(c, "redis")
    check(new != old, "redis was restarted")
    _, err = c.output()
    check("redis: unhealthy (2 checks failed" in err, f"tend logged why:\n{err[-2000:]}")
    s.note(f"unhealthy {failed_after:.1f}s after SIGSTOP ({why.strip().splitlines()[-1]}), "
           f"healthy again after {recovered_after:.1f}s with pid {new}")
    c.stop()


# --- 9. Debugging with docker exec: tendctl exec, logs and attach.
def tmux(*args, check=True):
    return subprocess.run(["tmux", "-L", f"tend-e2e-{os.getpid()}"] + list(args),
                          capture_output=True, text=True, check=check).stdout


def scenario_debugging(s):
    etc = conf_dir(s, {"app.conf": (
        "[program:ticker]\nuser = nobody\n"
        "command = sh -c 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.1; done'\n"
        "[program:shell]\ncommand = sh -i\ntty = true\n"
        "stopsignal = HUP\n")})  # An interactive shell ignores TERM.
    c = s.container("app", ["/sbin/tend", "-c", "/etc/tend/conf.d"], binds=[etc])
    tend_ctl(c, "wait", "--timeout", "10s", "ticker", "shell")
    _, user = tend_ctl(c, "exec", "ticker", "--", "id", "-un")
    check(user.strip() == "nobody", f"tendctl exec ticker -- id -un printed {user.strip()!r}")
    wait_for(lambda: "tick 6" in c.output()[1] + c.output()[0], 10, "six ticks")
    _, logs = tend_ctl(c, "logs", "-n", "5", "ticker")
    lines = logs.strip().splitlines()
    check(len(lines) == 5 and all("tick" in ln for ln in lines),
          f"tendctl logs -n 5 ticker printed:\n{logs}")
    # attach, on a terminal: tmux around `runc exec -t`, as `docker exec -it`.
    shell_pid = ctl_pid(c, "shell")
    tmux("new-session", "-d", "-x", "120", "-y", "30", "-s", "attach",
         f"runc exec -t {c.name} /sbin/tend ctl attach shell")
    try:
        wait_for(lambda: "attached" in tmux("capture-pane", "-p", "-t", "attach").lower()
                 or "$" in tmux("capture-pane", "-p", "-t", "attach"), 10,
                 "tendctl attach to show the shell")
        tmux("send-keys", "-t", "attach", "echo answer-$((6*7))", "Enter")
        wait_for(lambda: "answer-42" in tmux("capture-pane", "-p", "-t", "attach"), 10,
                 "the shell's answer on the attached terminal")
        tmux("send-keys", "-t", "attach", "C-p", "C-q")
        wait_for(lambda: "attach" not in tmux("list-sessions", "-F", "#S", check=False), 10,
                 "tendctl attach to end at Control-P Control-Q")
    finally:
        tmux("kill-server", check=False)
    check(ctl_pid(c, "shell") == shell_pid, "the shell still runs after the detach")
    out, err = c.output()
    check(any(ln.startswith("shell") and "answer-42" in ln for ln in (out + err).splitlines()),
          "the attached shell's output reached the container's log, prefixed")
    status, took, killed = c.stop()
    check(status == 0 and not killed, f"exit {status} after the stop")
    s.note("exec ran as nobody; logs -n 5 gave 5 lines; attach typed, answered, detached; "
           f"stop {took:.2f}s")


# --- 10. Signals from outside: HUP reloads, USR1 is forwarded, a second TERM.
def scenario_signals(s):
    worker = ("sh -c 'trap \"echo worker: USR1\" USR1; "
              "trap \"if [ -e /tmp/term ]; then echo worker: second TERM; exit 0; fi; "
              "touch /tmp/term; echo worker: TERM\" TERM; "
              "echo worker: up; while :; do sleep 0.1; done'")
    etc = conf_dir(s, {"app.conf": (
        f"[program:worker]\ncommand = {worker}\nstopwaitsecs = 8\n")})
    c = s.container("app", ["/sbin/tend", "-c", "/etc/tend/conf.d"], binds=[etc])
    wait_for(lambda: "worker: up" in c.output()[0], 10, "the worker to start")
    c.exec(["sh", "-c", "printf '[program:added]\\ncommand = sleep 1000005\\n' "
                        "> /etc/tend/conf.d/added.conf"])
    c.kill("HUP")
    tend_ctl(c, "wait", "--timeout", "10s", "added")
    c.kill("USR1")
    wait_for(lambda: "worker: USR1" in c.output()[0], 10, "the worker to hear USR1")
    begin = time.monotonic()
    c.kill("TERM")
    wait_for(lambda: "worker: TERM" in c.output()[0], 10, "the worker to hear the first TERM")
    check(c.proc.poll() is None, "the container still runs after the first TERM")
    c.kill("TERM")
    status = c.wait(timeout=15)
    took = time.monotonic() - begin
    out, err = c.output()
    check("worker: second TERM" in out, f"the worker heard the second TERM:\n{out[-1000:]}")
    check(status == 0 and "SIGKILL" not in err, f"exit {status}:\n{err[-2000:]}")
    s.note(f"HUP started an added program; USR1 reached the worker; a second TERM ended "
           f"the stop after {took:.1f}s, exit {status}")


# --- 11. Not root: USER 12345, a read-only root and a tmpfs at /tmp, as with
# docker run --user 12345 --read-only --tmpfs /tmp, Kubernetes' runAsNonRoot, OpenShift.
def scenario_nonroot(s):
    etc = conf_dir(s, {"app.conf": (
        "[program:web]\ncommand = sleep 1000001\n"
        "[program:worker]\ncommand = sleep 1000002\nuser = nobody\n")})
    c = s.container("app", ["/sbin/tend", "-c", "/etc/tend/conf.d"], binds=[etc],
                    user=(12345, 12345), readonly=True, tmpfs=["/tmp"],
                    links=[("/sbin/supervisorctl", "tend")])
    as_user = "12345:12345"
    wait_for(lambda: c.exec(["/sbin/tend", "ctl", "wait", "--timeout", "2s", "web", "worker"],
                            user=as_user, check=False, timeout=5)[0] == 0, 20,
             "tendctl, as uid 12345, to reach tend")
    status, out = c.exec(["/sbin/tend", "ctl", "status"], user=as_user, check=False)
    check(status == 0 and "web" in out and "worker" in out, f"tendctl status:\n{out}")
    status, out = c.exec(["/sbin/supervisorctl", "status"], user=as_user, check=False)
    check(status == 0 and "worker" in out and "RUNNING" in out, f"supervisorctl status:\n{out}")
    _, ps = c.exec(["ps", "-eo", "uid=,args="])
    sleeps = [ln.split(None, 1) for ln in ps.splitlines() if "sleep 100000" in ln]
    check(len(sleeps) == 2 and all(u == "12345" for u, _ in sleeps), f"programs' uids:\n{ps}")
    _, err = c.output()
    check("listening on /tmp/tend-12345/tend.sock instead" in err, f"tend said:\n{err[-2000:]}")
    check("user = nobody: tend runs as uid 12345, not root; worker runs as uid 12345 too" in err,
          f"tend said:\n{err[-2000:]}")
    status, took, killed = c.stop()
    check(status == 0 and not killed, f"exit {status} after the stop")
    s.note("tend as uid 12345 on a read-only root listened at /tmp/tend-12345/tend.sock; "
           f"tendctl and supervisorctl reached it with no option; stopped in {took:.1f}s")


SCENARIOS = [
    ("redis", scenario_redis),
    ("postgres", scenario_postgres),
    ("supervisord", scenario_supervisord),
    ("critical", scenario_critical),
    ("crash", scenario_crash),
    ("orphans", scenario_orphans),
    ("reload", scenario_reload),
    ("health", scenario_health),
    ("debugging", scenario_debugging),
    ("signals", scenario_signals),
    ("nonroot", scenario_nonroot),
]


def main():
    if os.geteuid() != 0:
        print("e2e: run as root (runc makes namespaces and mounts)", file=sys.stderr)
        return 2
    if not os.path.exists(TEND):
        print(f"e2e: {TEND} is missing: make static", file=sys.stderr)
        return 2
    wanted = sys.argv[1:]
    work = tempfile.mkdtemp(prefix="tend-e2e-")
    os.chmod(work, 0o755)  # The servers' users walk to their bound directories.
    passed = failed = 0
    try:
        for name, fn in SCENARIOS:
            if wanted and name not in wanted:
                continue
            s = Scenario(work, name)
            begin = time.monotonic()
            try:
                fn(s)
                passed += 1
                verdict = "PASS"
            except Exception as e:  # noqa: BLE001 - every failure is reported, then next.
                failed += 1
                verdict = "FAIL"
                s.note(f"{type(e).__name__}: {e}" if isinstance(e, Error)
                       else traceback.format_exc())
            finally:
                s.cleanup()
            print(f"{verdict} {name} ({time.monotonic() - begin:.1f}s): "
                  + "; ".join(s.figures), flush=True)
        left = [n for n in subprocess.run(["runc", "list", "-q"], capture_output=True,
                                          text=True).stdout.split()
                if n.startswith(f"tend-e2e-{os.getpid()}-")]
        if left:
            failed += 1
            print(f"FAIL cleanup: containers left behind: {' '.join(left)}")
    finally:
        if os.environ.get("E2E_KEEP") == "1":
            print(f"e2e: work files kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
