#!/usr/bin/env python3
"""Helpers for bench/run.sh: free port, one measurement record, tree comparison, report.

  benchlib.py free-port
  benchlib.py measure --tool T --scenario S --time-file F --access-log L --log-offset N
                      --stored-before B --stored-after A --exit-code RC [--stdout F] [--verify V] [--remote]
  benchlib.py verify EXPECTED_DIR ACTUAL_DIR
  benchlib.py report --jsonl F --meta F

A measurement is one JSON object on one line (see `measure`); the report turns the JSON lines
of a run into one Markdown table per scenario.
"""
import argparse
import filecmp
import json
import os
import re
import socket
import sys
from collections import Counter

SCENARIOS = [
    ("push-first", "First push (snapshot 1)"),
    ("push-unchanged", "Unchanged push (snapshot 1 again)"),
    ("push-churn", "Churn push (snapshot 2)"),
    ("restore", "Restore of snapshot 2 into an empty directory"),
]
MIB = 1 << 20


def free_port(_args):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def parse_time_v(path):
    """Fields of GNU time -v output that the report uses."""
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            key, _, value = line.strip().rpartition(": ")
            if key.startswith("Elapsed (wall clock) time"):
                seconds = 0.0
                for part in value.split(":"):
                    seconds = seconds * 60 + float(part)
                out["wall_s"] = round(seconds, 2)
            elif key == "Maximum resident set size (kbytes)":
                out["max_rss_kib"] = int(value)
            elif key == "User time (seconds)":
                out["user_s"] = float(value)
            elif key == "System time (seconds)":
                out["sys_s"] = float(value)
            elif key == "Percent of CPU this job got":
                out["cpu_pct"] = int(value.rstrip("%") or 0)
    return out


ACCESS_RE = re.compile(r"^(\S+) (\S+) (\d{3}) (\S+) (\S+)")


def parse_access_log(path, offset):
    """Requests S3Mock served since byte `offset` of its Tomcat access log.

    Pattern (set by run.sh): method, path, status, request Content-Length, response bytes, micros.
    Request Content-Length includes aws-chunked signature framing where a client uses it.
    """
    methods = Counter()
    statuses = Counter()
    sent = received = 0
    with open(path, "rb") as f:
        f.seek(offset)
        for raw in f:
            m = ACCESS_RE.match(raw.decode("utf-8", errors="replace"))
            if not m:
                continue
            method, _path, status, req_len, resp_len = m.groups()
            methods[method] += 1
            statuses[status[0] + "xx"] += 1
            sent += int(req_len) if req_len.isdigit() else 0
            received += int(resp_len) if resp_len.isdigit() else 0
    return {"requests": sum(methods.values()), "requests_by_method": dict(sorted(methods.items())),
            "status_classes": dict(sorted(statuses.items())), "sent_bytes": sent, "received_bytes": received}


def tool_report(path):
    """The tool's own JSON summary (s3backup --json), if its stdout holds one."""
    if not path or not os.path.exists(path):
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read().strip()
    for candidate in (text, text.splitlines()[-1] if text else ""):
        try:
            value = json.loads(candidate)
            return value if isinstance(value, dict) else None
        except ValueError:
            continue
    return None


def measure(a):
    rec = {"tool": a.tool, "scenario": a.scenario, "round": a.round, "exit_code": a.exit_code}
    rec.update(parse_time_v(a.time_file))
    with open("/proc/loadavg", encoding="ascii") as f:
        rec["loadavg_1m"] = float(f.read().split()[0])  # others' work on the machine skews timings
    rec["sync_s"] = round(a.sync_ms / 1000.0, 3)
    rec["stored_delta_bytes"] = a.stored_after - a.stored_before
    if a.remote:
        rec.update(parse_access_log(a.access_log, a.log_offset))
    report = tool_report(a.stdout)
    if report is not None:
        rec["tool_report"] = report
    if a.verify:
        rec["verify"] = a.verify
    print(json.dumps(rec, sort_keys=False))


def verify(a):
    """Compare two trees by names, types, sizes and bytes; print 'ok' or a short summary."""
    expected, actual = a.expected, a.actual
    if not os.path.isdir(actual):
        print("missing restore dir")
        return
    missing, extra, differ = [], [], []

    def walk(rel):
        e = os.path.join(expected, rel)
        r = os.path.join(actual, rel)
        cmp = filecmp.dircmp(e, r)
        missing.extend(os.path.join(rel, n) for n in cmp.left_only)
        extra.extend(os.path.join(rel, n) for n in cmp.right_only)
        for name in cmp.common_files:
            ef, rf = os.path.join(e, name), os.path.join(r, name)
            if os.path.getsize(ef) != os.path.getsize(rf) or not filecmp.cmp(ef, rf, shallow=False):
                differ.append(os.path.join(rel, name))
        differ.extend(os.path.join(rel, n) for n in cmp.common_funny)
        for name in cmp.common_dirs:
            walk(os.path.join(rel, name))

    walk("")
    if not (missing or extra or differ):
        print("ok")
        return
    parts = []
    if missing:
        parts.append("%d missing (e.g. %s)" % (len(missing), sorted(missing)[0]))
    if differ:
        parts.append("%d differ (e.g. %s)" % (len(differ), sorted(differ)[0]))
    if extra:
        parts.append("%d extra (e.g. %s)" % (len(extra), sorted(extra)[0]))
    print("MISMATCH: " + ", ".join(parts))


def fmt(value, digits=1):
    return "n/a" if value is None else ("%.*f" % (digits, value))


def median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2.0


def aggregate(runs):
    """One row from the rounds of one tool and scenario: medians of the successful rounds."""
    ok = [r for r in runs if r.get("exit_code") == 0] or runs
    remote = "requests" in runs[0]

    def med(key, scale=1.0):
        m = median([r[key] / scale for r in ok if key in r])
        return m

    walls = [r["wall_s"] for r in ok if "wall_s" in r]
    totals = [r["wall_s"] + r.get("sync_s", 0.0) for r in ok if "wall_s" in r]
    row = {
        "rounds": len(runs), "failed": sum(1 for r in runs if r.get("exit_code") != 0),
        "failed_codes": sorted({r.get("exit_code") for r in runs if r.get("exit_code") != 0}),
        "wall": median(walls), "wall_min": min(walls) if walls else None, "wall_max": max(walls) if walls else None,
        "sync": med("sync_s"), "total": median(totals),
        "cpu": median([r["user_s"] + r["sys_s"] for r in ok if "user_s" in r and "sys_s" in r]),
        "rss": med("max_rss_kib", 1024.0), "stored": med("stored_delta_bytes", MIB), "remote": remote,
        "sent": med("sent_bytes", MIB) if remote else None, "received": med("received_bytes", MIB) if remote else None,
        "requests": med("requests") if remote else None,
        "verify": sorted({r["verify"] for r in runs if r.get("verify")}),
        "own_requests": None, "errors_4xx": med("errors_4xx") if remote else None,
    }
    reports = [r.get("tool_report") or {} for r in ok]
    for rep in reports:
        if isinstance(rep.get("requests"), dict):
            row["own_requests"] = rep["requests"]
    row["own_seconds"] = median([rep.get("durationSeconds") for rep in reports])
    row["own_read_mib"] = median([rep["bytesScanned"] / MIB for rep in reports if "bytesScanned" in rep])
    if remote:
        row["errors_4xx"] = median([r.get("status_classes", {}).get("4xx", 0) for r in ok])
    return row


def report(a):
    with open(a.meta, encoding="utf-8") as f:
        meta = json.load(f)
    records = []
    with open(a.jsonl, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                records.append(json.loads(line))
    tools = meta["tools"]
    repeat = meta.get("repeat", 1)
    out = []
    out.append("# s3backup benchmark, %s" % meta["date"])
    out.append("")
    out.append("Data: snapshot 1 = %d SST files, %d MiB of random data, plus small files and `coordinator.bin`; "
               "snapshot 2 replaces %d of the SSTs (%g %% churn, %d MiB new). S3 server: %s on "
               "loopback (%s), one bucket per tool. Machine: %s."
               % (meta["files"], meta["size_mib"], meta["churned_files"], meta["churn"],
                  meta["churned_bytes"] // MIB, meta.get("server") or ("Adobe S3Mock " + meta["s3mock_version"]),
                  "HTTPS: TLS with a self-signed certificate every tool was told to trust" if meta.get("tls")
                  else "plain HTTP", meta["machine"]))
    out.append("")
    if meta.get("calibration_cpu_s"):
        out.append("Calibration: one read and SHA-256 pass over snapshot 1's SSTs (`openssl dgst -sha256`) took "
                   "%.2f CPU-s; the issue #13 target for a first push is at most 1.3 × that (%.2f CPU-s)."
                   % (meta["calibration_cpu_s"], 1.3 * meta["calibration_cpu_s"]))
        out.append("")
    if "Ceph" in (meta.get("server") or ""):
        out.append("Over Ceph RGW there is no access log: *sent*, *received* and *requests* read n/a, and "
                   "*stored Δ* is the growth of the sum of the bucket's object sizes (from a listing).")
        out.append("")
    out.append("Command: `%s`" % meta["command"])
    out.append("")
    loads = [r["loadavg_1m"] for r in records if "loadavg_1m" in r]
    if loads:
        out.append("1-minute load average after each step: %.1f to %.1f (median %.1f) on %s CPUs; "
                   "anything well above the CPU count means other work competed with the run."
                   % (min(loads), max(loads), median(loads), meta.get("cpus", "?")))
        out.append("")
    out.append("Columns: wall time, CPU time (user + system: less sensitive than wall time to other work on "
               "the machine) and peak RSS from `/usr/bin/time -v`%s; *sync s* = a `sync -f` of the file "
               "system right after the step (flushes what the tool, or S3Mock for it, left in the page cache: "
               "s3backup fsyncs restored files, the peers do not); *stored Δ* = growth of the tool's "
               "bucket directory in S3Mock's store (or of the rsync target directory), metadata included; "
               "*sent*/*received* = request/response body bytes and *requests* = requests, all counted "
               "from S3Mock's access log; *s3backup ÷ peer* = s3backup's wall + sync time divided by the "
               "peer's (below 1: s3backup is faster)."
               % ("" if repeat == 1 else (", median of %d rounds (min–max in brackets)" % repeat)))
    out.append("")
    skipped = meta.get("skipped", {})
    for scenario, title in SCENARIOS:
        rows = {}
        for tool in tools:
            runs = [r for r in records if r["scenario"] == scenario and r["tool"] == tool]
            if runs:
                rows[tool] = aggregate(runs)
        ours = rows.get("s3backup")
        ours_ok = ours is not None and ours["failed"] < ours["rounds"]
        out.append("## %s" % title)
        out.append("")
        out.append("| tool | wall s | CPU s | sync s | peak RSS MiB | stored Δ MiB | sent MiB | received MiB | requests "
                   "| s3backup ÷ peer | note |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for tool in tools:
            r = rows.get(tool)
            if r is None:
                reason = skipped.get(tool, "not run")
                out.append("| %s | – | – | – | – | – | – | – | – | – | %s |" % (tool, reason))
                continue
            ok = r["failed"] < r["rounds"]
            notes = []
            if r["failed"]:
                notes.append("FAILED in %d of %d rounds (exit %s)" % (
                    r["failed"], r["rounds"], ",".join(str(c) for c in r["failed_codes"])))
            if r["verify"]:
                notes.append("restore check: " + " / ".join(r["verify"]))
            if r["own_seconds"] is not None:
                notes.append("own time %.2f s" % r["own_seconds"])
            if r["own_read_mib"] is not None:
                notes.append("read %.0f MiB" % r["own_read_mib"])
            if r["own_requests"]:
                notes.append("own count: " + " ".join("%s %s" % (k, v) for k, v in r["own_requests"].items() if v))
            if r["errors_4xx"]:
                notes.append("%g× 4xx" % r["errors_4xx"])
            wall = fmt(r["wall"], 2)
            if r["rounds"] > 1 and r["wall"] is not None:
                wall += " (%.2f–%.2f)" % (r["wall_min"], r["wall_max"])
            uncounted = "n/a (local)" if tool == "rsync" else "n/a"
            ratio = "n/a"
            if ours_ok and ok and r["total"]:
                ratio = "%.2f" % (ours["total"] / r["total"])
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                tool, wall, fmt(r["cpu"], 1), fmt(r["sync"], 2), fmt(r["rss"], 0), fmt(r["stored"], 1),
                fmt(r["sent"], 1) if r["remote"] else uncounted,
                fmt(r["received"], 1) if r["remote"] else uncounted,
                ("%g" % r["requests"]) if r["remote"] else "n/a",
                ratio if ok else "n/a", "; ".join(notes)))
        out.append("")
    out.append("Tool versions: " + "; ".join("%s: %s" % (k, v) for k, v in meta["versions"].items()))
    out.append("")
    print("\n".join(out))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("free-port").set_defaults(fn=free_port)
    m = sub.add_parser("measure")
    m.add_argument("--tool", required=True)
    m.add_argument("--scenario", required=True)
    m.add_argument("--round", type=int, default=1)
    m.add_argument("--time-file", required=True)
    m.add_argument("--access-log", required=True)
    m.add_argument("--log-offset", type=int, default=0)
    m.add_argument("--stored-before", type=int, required=True)
    m.add_argument("--stored-after", type=int, required=True)
    m.add_argument("--exit-code", type=int, required=True)
    m.add_argument("--stdout")
    m.add_argument("--sync-ms", type=int, default=0, help="time of the sync -f after the step")
    m.add_argument("--verify")
    m.add_argument("--remote", action="store_true", help="the tool talked to S3Mock: count its requests")
    m.set_defaults(fn=measure)
    v = sub.add_parser("verify")
    v.add_argument("expected")
    v.add_argument("actual")
    v.set_defaults(fn=verify)
    r = sub.add_parser("report")
    r.add_argument("--jsonl", required=True)
    r.add_argument("--meta", required=True)
    r.set_defaults(fn=report)
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
