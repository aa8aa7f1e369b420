#!/usr/bin/python3
"""What a client of supervisord's XML-RPC interface sees, as comparable lines.

rpc_probe.py URL: for http://user:pass@host:port/RPC2 (Python's xmlrpc.client) or
unix:///path (supervisor's own transport, as supervisorctl and childutils use it).
Prints the keys and value types of getAllProcessInfo's entries, each process's state,
and the fault (code and string) each mistake gets."""
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
    m = proxy(sys.argv[1]).system.multicall([
        {"methodName": "supervisor.getPID", "params": []},
        {"methodName": "supervisor.getProcessInfo", "params": ["nosuch"]}])
    print("multicall", type(m[0]).__name__, m[1])


if __name__ == "__main__":
    main()
