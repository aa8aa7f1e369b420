#!/usr/bin/env python3
"""An event listener for the tests, as people write them for supervisord.

listener.py OUT [MODE [ARG]]: appends one line per event it is sent to OUT:
"EVENTNAME SERIAL POOLSERIAL PAYLOAD" (the payload's newlines as \\n), then answers.
MODE:
  ok              answer OK to every event (the default)
  fail-first      answer FAIL the first time an event (by serial) comes, OK the second
  run CMD         on each event, run CMD with the shell, then answer OK
"""
import subprocess
import sys


def main():
    out_path = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else "ok"
    arg = sys.argv[3] if len(sys.argv) > 3 else ""
    seen = set()
    with open(out_path, "a") as out:
        while True:
            sys.stdout.write("READY\n")
            sys.stdout.flush()
            line = sys.stdin.readline()
            if not line:
                return
            headers = dict(word.split(":", 1) for word in line.split())
            payload = sys.stdin.read(int(headers["len"]))
            out.write("%s %s %s %s\n" % (headers["eventname"], headers["serial"],
                                         headers["poolserial"], payload.replace("\n", "\\n")))
            out.flush()
            result = "OK"
            if mode == "fail-first" and headers["serial"] not in seen:
                seen.add(headers["serial"])
                result = "FAIL"
            elif mode == "run":
                subprocess.call(arg, shell=True)
            sys.stdout.write("RESULT %d\n%s" % (len(result), result))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
