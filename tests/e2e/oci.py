"""OCI containers for tend's end-to-end tests, started with runc as Docker would.

A Bundle is a directory with config.json (from `runc spec`, adjusted) and a rootfs:
the host's /usr bound read-only, the bin/lib symlinks of a merged-/usr Debian, a private
writable copy of what /etc needs, data directories bound from the test's own directory
(a second container on them sees the first one's data), and build/tend-static bound
read-only as /sbin/tend, the way users COPY it into images. New pid, mount, ipc, uts and
network namespaces (loopback only), Docker's default capabilities, no terminal.

`runc run` plays `docker run`, `runc exec` plays `docker exec`, and Container.stop() is
`docker stop`: SIGTERM, then SIGKILL after the grace period if it still runs.
"""

import json
import os
import pwd
import resource
import shutil
import subprocess
import time

# Docker's default capabilities (moby's oci/caps/defaults.go).
DOCKER_CAPS = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
]

# What of /etc the servers and their tools read: users, name service, the loader's
# cache, nginx's mime types, postgres' and redis' defaults.
ETC_FILES = ["passwd", "group", "shadow", "gshadow", "hosts", "nsswitch.conf", "ld.so.cache",
             "ld.so.conf", "localtime", "timezone", "services", "protocols"]
ETC_DIRS = ["ld.so.conf.d", "nginx", "postgresql-common", "redis", "ssl", "alternatives"]


class Error(Exception):
    pass


def wait_for(cond, deadline_s, what):
    """Polls `cond` until it is true; raises Error naming `what` at the deadline."""
    end = time.monotonic() + deadline_s
    while True:
        if cond():
            return
        if time.monotonic() > end:
            raise Error(f"timed out after {deadline_s}s waiting for {what}")
        time.sleep(0.05)


class Bundle:
    """An OCI bundle under `root`: args is the container's command (PID 1); binds are
    (host path, container path) pairs; user a (uid, gid) as a Dockerfile's USER;
    readonly and tmpfs as docker run's --read-only and --tmpfs; links (path in the
    rootfs, target) symbolic links made in the image."""

    def __init__(self, root, tend_static, args, binds=(), env=(), user=None, readonly=False,
                 tmpfs=(), links=()):
        self.root = root
        rootfs = os.path.join(root, "rootfs")
        for d in ["usr", "etc", "sbin", "tmp", "run", "var/run", "var/lib/nginx", "var/log", "root",
                  "proc", "dev", "sys", "data"]:
            os.makedirs(os.path.join(rootfs, d), exist_ok=True)
        os.chmod(os.path.join(rootfs, "tmp"), 0o1777)
        for name in ["bin", "lib", "lib64"]:
            link = os.path.join(rootfs, name)
            if not os.path.lexists(link) and os.path.exists("/usr/" + name):
                os.symlink("usr/" + name, link)
        etc = os.path.join(rootfs, "etc")
        for f in ETC_FILES:
            if os.path.exists("/etc/" + f):
                shutil.copy2("/etc/" + f, os.path.join(etc, f), follow_symlinks=True)
        for d in ETC_DIRS:
            if os.path.isdir("/etc/" + d) and not os.path.exists(os.path.join(etc, d)):
                shutil.copytree("/etc/" + d, os.path.join(etc, d), symlinks=True)
        with open(os.path.join(etc, "hostname"), "w") as f:
            f.write("e2e\n")
        # /sbin is a directory of its own (not the merged-/usr symlink) so that tend can be
        # bound there; /usr/sbin is on PATH for the rest.
        open(os.path.join(rootfs, "sbin", "tend"), "w").close()
        for path, target in links:
            link = os.path.join(rootfs, path.lstrip("/"))
            if not os.path.lexists(link):
                os.symlink(target, link)
        mounts = [
            {"destination": "/usr", "type": "bind", "source": "/usr",
             "options": ["rbind", "ro", "nosuid", "nodev"]},
            {"destination": "/sbin/tend", "type": "bind", "source": tend_static,
             "options": ["bind", "ro"]},
        ]
        for inside in tmpfs:
            mounts.append({"destination": inside, "type": "tmpfs", "source": "tmpfs",
                           "options": ["nosuid", "nodev", "mode=1777"]})
        for host, inside in binds:
            os.makedirs(os.path.join(rootfs, inside.lstrip("/")), exist_ok=True)
            mounts.append({"destination": inside, "type": "bind", "source": host,
                           "options": ["rbind", "rw"]})
        subprocess.run(["runc", "spec"], cwd=root, check=True)
        with open(os.path.join(root, "config.json")) as f:
            spec = json.load(f)
        spec["root"] = {"path": "rootfs", "readonly": bool(readonly)}
        proc = spec["process"]
        proc["terminal"] = False
        if user is not None:  # Dockerfile's USER: (uid, gid).
            proc["user"] = {"uid": user[0], "gid": user[1]}
        proc["args"] = list(args)
        proc["env"] = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                       "HOSTNAME=e2e", "HOME=/root"] + list(env)
        proc["capabilities"] = {k: list(DOCKER_CAPS)
                                for k in ["bounding", "effective", "permitted"]}
        proc["noNewPrivileges"] = False
        # Docker raises the open files limit to its daemon's (here: this process's).
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        proc["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": hard, "soft": hard}]
        spec["hostname"] = "e2e"
        # Docker's /sys is read-only; the cgroup mount is left out (cgroup v1 here).
        spec["mounts"] = [m for m in spec["mounts"] if m["destination"] != "/sys/fs/cgroup"]
        spec["mounts"] += mounts
        # No cgroup path: runc makes one per container and removes it at delete.
        spec["linux"].pop("resources", None)
        with open(os.path.join(root, "config.json"), "w") as f:
            json.dump(spec, f, indent=1)


class Container:
    """One `runc run` in the foreground, its output in files under the bundle."""

    def __init__(self, bundle, name):
        self.bundle = bundle
        self.name = name
        self.out_path = os.path.join(bundle.root, "stdout")
        self.err_path = os.path.join(bundle.root, "stderr")
        self.proc = None

    def start(self):
        subprocess.run(["runc", "delete", "-f", self.name], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(["runc", "run", "--bundle", self.bundle.root, self.name],
                                     stdin=subprocess.DEVNULL, stdout=self.out, stderr=self.err)
        wait_for(lambda: self.state() in ("running", "stopped") or self.proc.poll() is not None,
                 20, f"container {self.name} to start")
        return self

    def state(self):
        r = subprocess.run(["runc", "state", self.name], capture_output=True, text=True)
        if r.returncode != 0:
            return "gone"
        return json.loads(r.stdout).get("status", "?")

    def exec(self, args, timeout=60, check=True, user=None, stdin=None):
        """`docker exec`: runs `args` in the container; returns (status, stdout + stderr)."""
        cmd = ["runc", "exec"]
        if user is not None and ":" in user:  # uid:gid, as docker exec -u 12345:12345.
            cmd += ["--user", user]
        elif user is not None:  # A name, as docker exec -u takes it: runc wants uid:gid.
            pw = pwd.getpwnam(user)
            cmd += ["--user", f"{pw.pw_uid}:{pw.pw_gid}"]
        cmd += [self.name] + list(args)
        r = subprocess.run(cmd, capture_output=True, timeout=timeout, input=stdin)
        text = (r.stdout + r.stderr).decode(errors="replace")
        if check and r.returncode != 0:
            raise Error(f"exec {' '.join(args)}: status {r.returncode}: {text.strip()}")
        return r.returncode, text

    def kill(self, sig):
        subprocess.run(["runc", "kill", self.name, sig], capture_output=True)

    def stop(self, grace_s=10):
        """`docker stop`: SIGTERM, SIGKILL after grace_s. Returns (exit status, seconds
        the stop took, whether SIGKILL was needed)."""
        begin = time.monotonic()
        self.kill("TERM")
        killed = False
        try:
            self.proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            killed = True
            self.kill("KILL")
            self.proc.wait(timeout=30)
        took = time.monotonic() - begin
        return self.proc.returncode, took, killed

    def wait(self, timeout):
        return self.proc.wait(timeout=timeout)

    def output(self):
        """The container's stdout and stderr, as a user sees them in `docker logs`."""
        for f in (getattr(self, "out", None), getattr(self, "err", None)):
            if f:
                f.flush()
        with open(self.out_path, "rb") as o, open(self.err_path, "rb") as e:
            return o.read().decode(errors="replace"), e.read().decode(errors="replace")

    def delete(self):
        if self.proc and self.proc.poll() is None:
            self.kill("KILL")
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        subprocess.run(["runc", "delete", "-f", self.name], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        for f in (getattr(self, "out", None), getattr(self, "err", None)):
            if f:
                f.close()
