#!/usr/bin/python3
"""What a client of supervisord's XML-RPC interface sees, as comparable lines.

rpc_probe.py URL [logs]: for http://user:pass@host:port/RPC2 (Python's xmlrpc.client) or
unix:///path (supervisor's own transport, as supervisorctl and childutils use it).
Prints the keys and value types of getAllProcessInfo's entries, each process's state,
and the fault (code and string) each mistake gets; with "logs", what the log methods
read of the program "talk", then the clears (once: they empty the logs), and a restart
by multicall."""
import sys
import xmlrpc.client


def proxy(url):
    if url.startswith("unix://"):
        from supervisor import xmlrpc as sx
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=sx.SupervisorTransport("", "", url))
    return xmlrpc.client.ServerProxy(url)


def main():
    s = proxy(sys.argv[1]).supervisor
    info = s.getAllProcessInfo()
    print("entries", len(info))
    for e in info:
        print("keys", " ".join("%s:%s" % (k, type(e[k]).__name__) for k in sorted(e)))
        print("state", e["group"], e["name"], e["statename"], e["state"], "pid N" if e["statename"] == "RUNNING" else e["description"])
    print("api", s.getAPIVersion(), "identification", s.getIdentification())
    print("state", s.getState())
    calls = [("getProcessInfo", ("nosuch",)), ("startProcess", ("web",)), ("stopProcess", ("idle",)),
             ("signalProcess", ("web", "BOGUS")), ("startProcess", ("ghost",)), ("nosuchMethod", ()),
             ("startProcess", ("pair:nosuch",)), ("stopProcessGroup", ("nosuch",))]
    for name, args in calls:
        try:
            r = getattr(s, name)(*args)
            print(name, args, "->", r)
        except xmlrpc.client.Fault as f:
            text = f.faultString
            if name == "startProcess" and args == ("ghost",):
                text = text.split(":")[0]  # The command's path is said in different words.
            print(name, args, "-> fault", f.faultCode, text)
    for c in s.getAllConfigInfo():
        print("config", " ".join("%s:%s" % (k, type(c[k]).__name__) for k in sorted(c)))
        print("config", " ".join("%s=%r" % (k, c[k]) for k in (
            "name", "group", "inuse", "autostart", "command", "exitcodes", "startsecs", "startretries",
            "stopsignal", "process_prio", "group_prio", "redirect_stderr", "uid",
            "directory", "serverurl")))
    print("methods", " ".join(proxy(sys.argv[1]).system.listMethods()))
    if sys.argv[2:3] == ["logs"]:
        probe_logs(s)
        # One call after the other: the stop is over before the start is made.
        print("restart by multicall", proxy(sys.argv[1]).system.multicall([
            {"methodName": "supervisor.stopProcess", "params": ["web"]},
            {"methodName": "supervisor.startProcess", "params": ["web"]},
            {"methodName": "supervisor.getProcessInfo", "params": ["web"]}])[:2])
    m = proxy(sys.argv[1]).system.multicall([
        {"methodName": "supervisor.getPID", "params": []},
        {"methodName": "supervisor.getProcessInfo", "params": ["nosuch"]}])
    print("multicall", type(m[0]).__name__, m[1])


def probe_logs(s):
    # The logs: "talk" wrote out1, out2 on stdout and err1 on stderr, then sleeps.
    logs = [("readProcessStdoutLog", ("talk", -1600, 0)), ("readProcessStdoutLog", ("talk", 0, 0)),
            ("readProcessStdoutLog", ("talk", 2, 3)), ("readProcessStdoutLog", ("talk", -3, 0)),
            ("readProcessStdoutLog", ("talk", 100, 0)), ("readProcessStdoutLog", ("talk", -1, 5)),
            ("readProcessStdoutLog", ("talk", 1, -5)), ("readProcessStderrLog", ("talk", 0, 0)),
            ("readProcessLog", ("talk", -4, 0)),
            ("tailProcessStdoutLog", ("talk", 0, 100)), ("tailProcessStdoutLog", ("talk", 5, 2)),
            ("tailProcessStdoutLog", ("talk", 0, 3)), ("tailProcessStdoutLog", ("talk", 50, 3)),
            ("tailProcessStderrLog", ("talk", 0, 2)),
            ("readProcessStdoutLog", ("pair:*", 0, 0)), ("readProcessStdoutLog", ("nosuch", 0, 0)),
            ("tailProcessStdoutLog", ("pair", 0, 10)),
            ("clearProcessLogs", ("talk",)), ("readProcessStdoutLog", ("talk", 0, 0)),
            ("tailProcessStdoutLog", ("talk", 0, 10)), ("clearProcessLogs", ("nosuch",)),
            ("readProcessStdoutLog", ("merged", 0, 0)), ("tailProcessStderrLog", ("merged", 0, 10))]
    for name, args in logs:
        try:
            print(name, args, "->", repr(getattr(s, name)(*args)))
        except xmlrpc.client.Fault as f:
            print(name, args, "-> fault", f.faultCode, f.faultString)
    for name, stderr in (("merged", True), ("quiet", False)):
        try:
            (s.readProcessStderrLog if stderr else s.readProcessStdoutLog)(name, 0, 0)
        except xmlrpc.client.Fault as f:
            print(name, "-> fault", f.faultCode)  # The file is named differently.
    print("quiet tail", s.tailProcessStdoutLog("quiet", 0, 10))
    print("readLog", type(s.readLog(-100, 0)).__name__)
    print("clearLog", s.clearLog())
    print("clearAllProcessLogs", sorted((r["group"], r["name"], r["status"], r["description"])
                                        for r in s.clearAllProcessLogs()))


if __name__ == "__main__":
    main()
