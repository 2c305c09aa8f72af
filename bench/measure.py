#!/usr/bin/env python3
"""bench/run's measurements: runs the probes, prints the table, writes bench/results.md.

Called by bench/run with DISPLAY set to a private Xvfb and the release binaries built.
Every figure is paired with a baseline measured in this same run, so the ratio survives
a loaded machine even when the absolute numbers do not.
"""

import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
APP = os.path.join(TARGET, "release", "visit-rating")
MINIMAL = os.path.join(TARGET, "release", "minimal-egui")
PROBE = os.path.join(TARGET, "release", "frame-probe")
RUNS = int(os.environ.get("BENCH_RUNS", "21"))
# Chromium's cold start is a distant reference, not a goal: fewer runs of it.
CHROME_RUNS = min(RUNS, int(os.environ.get("BENCH_CHROME_RUNS", "5")))
# Demo mode keeps a row of its own, not a goal (issue 15 asks for the window as a clinic
# runs it): fewer runs of it too.
DEMO_RUNS = min(RUNS, int(os.environ.get("BENCH_DEMO_RUNS", "7")))
# Ratings waiting in the outbox for the "full outbox" start.
QUEUED = int(os.environ.get("BENCH_QUEUED", "10000"))
IDLE = float(os.environ.get("BENCH_IDLE_SECS", "30"))
SUBMITS = int(os.environ.get("BENCH_SUBMITS", "50"))
# `submit` and `submit --queue` vs their baselines: the goal of issue 29.
SUBMIT_GOAL = 1.3
SUBMIT_NOTES = "Врач внимательный, спасибо"
# The durable save of `submit --queue`'s baseline (bench/fsync_baseline.rs).
FSYNC_BASELINE = os.path.join(TARGET, "release", "fsync-baseline")
# `BENCH_ONLY=submit`: only the submit rows (see main()).
ONLY = os.environ.get("BENCH_ONLY", "")
CHROME = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--window-size=1000,780"]
FORM = "file://" + os.path.join(BENCH, "form.html")
TOKEN = "bench-token"


def app_version():
    """The version the measured binary reports (`--version`): curl sends the same User-Agent."""
    out = subprocess.run([APP, "--version"], capture_output=True, text=True, check=True).stdout
    return out.split()[-1]


def log(text):
    print(text, file=sys.stderr, flush=True)


def xprobe(args, env=None):
    out = subprocess.run([sys.executable, os.path.join(BENCH, "xprobe.py")] + args,
                         check=True, capture_output=True, text=True, timeout=300, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def chrome(*extra):
    return CHROME + ["--user-data-dir=" + tempfile.mkdtemp(prefix="bench-chromium-")] + list(extra)


def closed_port_url():
    """An http:// URL on loopback where nobody listens: the clinic's server is down, so
    the full outbox stays full from one start to the next (and nothing is sent while
    the window starts)."""
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def clinic_user(url, queued):
    """A clinic's installation in a folder of its own: settings with the server URL, the
    token in the keyring (the Secret Service bench/run started), and `queued` ratings
    waiting in the outbox, due now. Returns the environment that runs the window as
    that user."""
    home = tempfile.mkdtemp(prefix="bench-clinic-")
    config_dir = os.path.join(home, ".config", "visit-rating")
    data_dir = os.path.join(home, ".local", "share", "visit-rating")
    outbox = os.path.join(data_dir, "outbox")
    os.makedirs(config_dir)
    os.makedirs(outbox, mode=0o700)
    with open(os.path.join(config_dir, "config.toml"), "w") as f:
        f.write(f'server_url = "{url}"\n')
    now = int(time.time() * 1000)
    for i in range(queued):
        created = now - queued + i
        entry_id = f"{created:013d}-{i:016x}"
        entry = {"version": 1, "id": entry_id, "visit_id": f"bench-queued-{i:06d}",
                 "rating": {"scores": [5, 4, 3, 2], "notes": f"Замечание №{i}: спасибо врачу.",
                            "didnt_visit": False},
                 "created_at_ms": created, "attempts": 1, "last_attempt_ms": created,
                 "next_attempt_ms": created, "state": "waiting", "last_outcome": None,
                 "server_origin": url}
        path = os.path.join(outbox, entry_id + ".json")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            json.dump(entry, f, ensure_ascii=False)
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
               XDG_DATA_HOME=os.path.join(home, ".local", "share"))
    env.pop("VISIT_RATING_TOKEN", None)
    return env


def store_token(url):
    """The clinic's token in the keyring, as `visit-rating token set` would keep it."""
    subprocess.run(["secret-tool", "store", "--label=visit-rating bench", "service",
                    "visit-rating", "username", url], input=TOKEN, text=True, check=True)


def cold_starts():
    url = closed_port_url()
    store_token(url)
    clinic = clinic_user(url, 0)
    full = clinic_user(url, QUEUED)
    ours, queued, demo, minimal, chromium = [], [], [], [], []
    for i in range(RUNS):
        log(f"  cold start {i + 1}/{RUNS}")
        ours.append(xprobe(["--settle", "2", "--", APP], env=clinic))
        queued.append(xprobe(["--settle", "2", "--", APP], env=full))
        if i < DEMO_RUNS:
            demo.append(xprobe(["--settle", "2", "--", APP, "--demo"]))
        minimal.append(xprobe(["--settle", "2", "--", MINIMAL]))
        if i >= CHROME_RUNS:
            continue
        shot = os.path.join(tempfile.mkdtemp(prefix="bench-shot-"), "form.png")
        start = time.monotonic()
        subprocess.run(chrome("--screenshot=" + shot, FORM), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        chromium.append((time.monotonic() - start) * 1000.0)
        if not os.path.getsize(shot):
            sys.exit("chromium wrote an empty screenshot")
    left = len([n for n in os.listdir(os.path.join(full["XDG_DATA_HOME"], "visit-rating", "outbox"))
                if n.endswith(".json")])
    if left != QUEUED:
        sys.exit(f"the full outbox holds {left} ratings after the starts, not {QUEUED}")
    return ours, queued, demo, minimal, chromium


def idle():
    """Ours, the minimal window and Chromium idle, one after the other: with no window
    manager a newly mapped winit window takes the input focus, so side by side the last
    one would hold it. Ours gets the focus (a kiosk's window has it); the minimal window
    has no text field, so focus changes nothing there; Chromium's headless page is
    focused by itself (its caret blinks in the screenshot)."""
    common = ["--settle", "3", "--idle", str(IDLE)]
    runs = [("ours", ["--focus"] + common + ["--", APP, "--demo"]),
            ("minimal egui", common + ["--", MINIMAL]),
            ("chromium", ["--no-window"] + common + ["--"] + chrome("--remote-debugging-port=0", FORM))]
    results = []
    for name, args in runs:
        log(f"  idle {IDLE:.0f} s: {name}")
        results.append(xprobe(args))
    return results


def frame_times():
    log("  frame times (scripted session through the real form)")
    out = subprocess.run([PROBE], check=True, capture_output=True, text=True, timeout=300)
    values = {}
    for line in out.stdout.splitlines():
        name, value, _unit = line.split()
        values[name] = float(value)
    return values


def fsync_baseline():
    """bench/fsync_baseline.rs built with `rustc -O` (no Cargo project), once per change."""
    source = os.path.join(BENCH, "fsync_baseline.rs")
    if (not os.path.exists(FSYNC_BASELINE)
            or os.path.getmtime(FSYNC_BASELINE) < os.path.getmtime(source)):
        os.makedirs(os.path.dirname(FSYNC_BASELINE), exist_ok=True)
        subprocess.run(["rustc", "-O", "--edition", "2021", "-o", FSYNC_BASELINE, source],
                       check=True)
    return FSYNC_BASELINE


def timed(argv, env=None):
    """`argv` as a fresh process: its wall time and the CPU time it used (user + system,
    from this process's children's resource usage), in ms, and what it gave back."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run(argv, env=env, capture_output=True, timeout=60)
    wall = (time.monotonic() - start) * 1000.0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1000.0
    return wall, cpu, done


def queued_entry_bytes(env):
    """The bytes `submit --queue` saves for the measured rating: one sent to a server
    that is down stays in the outbox of a throwaway user, and the files of its outbox
    folder are read (whatever their layout: one file per rating or a segment)."""
    home = tempfile.mkdtemp(prefix="bench-entry-")
    env = dict(env, HOME=home, XDG_CONFIG_HOME=home + "/.config",
               XDG_DATA_HOME=home + "/.local/share")
    done = subprocess.run([APP, "submit", "--queue", "--url", closed_port_url(), "--history",
                           "entry-size", "--scores", "5,4,5,3", "--notes", SUBMIT_NOTES,
                           "--json"], env=env, capture_output=True, timeout=60)
    if done.returncode != 5:
        sys.exit(f"submit --queue to a closed port exited {done.returncode}: {done.stdout!r}")
    outbox = os.path.join(home, ".local", "share", "visit-rating", "outbox")
    saved = b""
    for folder, _, files in sorted(os.walk(outbox)):
        for name in sorted(files):
            with open(os.path.join(folder, name), "rb") as f:
                saved += f.read()
    if not saved:
        sys.exit(f"nothing was saved in {outbox} for one queued rating")
    return saved


def submit_vs_curl():
    """`submit` vs curl, and `submit --queue` vs curl + fsync-baseline, interleaved: each
    round runs ours, curl (the identical request), fsync-baseline (the bytes --queue
    saves, file and folder fsynced, in the same file system as our outbox) and ours with
    --queue, each a fresh process. Wall and CPU times of each."""
    log(f"  submit and submit --queue vs curl (+ fsync), {SUBMITS} each, interleaved")
    key = os.urandom(16).hex()  # the control key of /__mock/*, ours to choose
    server = subprocess.Popen([APP, "mock-server", "--addr", "127.0.0.1:0", "--token", TOKEN],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              env=dict(os.environ, VISIT_RATING_MOCK_KEY=key))
    try:
        url = server.stdout.readline().strip().removeprefix("listening on ")
        home = tempfile.mkdtemp(prefix="bench-home-")
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home + "/.config",
                   XDG_DATA_HOME=home + "/.local/share", VISIT_RATING_TOKEN=TOKEN)
        env.pop("VISIT_RATING_URL", None)
        body = json.dumps({"result_1": 5, "result_2": 4, "result_3": 5, "result_4": 3,
                           "notes": SUBMIT_NOTES, "dont_visit": 0},
                          ensure_ascii=False, separators=(",", ":"))
        entry = queued_entry_bytes(env)
        fsync_dir = os.path.join(home, ".local", "share", "fsync-baseline")
        os.makedirs(fsync_dir)
        fsync_program = fsync_baseline()
        user_agent = f"User-Agent: visit-rating/{app_version()}"
        run = os.getpid()
        got = {name: [] for name in ("ours", "ours_cpu", "curl", "curl_cpu", "queued",
                                     "queued_cpu", "fsync", "fsync_cpu")}

        def keep(name, measured):
            got[name].append(measured[0])
            got[name + "_cpu"].append(measured[1])
            return measured[2]

        for i in range(SUBMITS):
            done = keep("ours", timed([APP, "submit", "--url", url, "--history",
                                       f"ours-{run}-{i}", "--scores", "5,4,5,3",
                                       "--notes", SUBMIT_NOTES, "--json"], env))
            if done.returncode != 0:
                sys.exit(f"submit failed ({done.returncode}): {done.stdout!r}")
            done = keep("curl", timed(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                                       "-X", "POST",
                                       f"{url}/api/v2/iemk/doctors/visit/rating/curl-{run}-{i}",
                                       "-H", f"Authorization: Bearer {TOKEN}",
                                       "-H", "Content-Type: application/json",
                                       "-H", "Accept: application/json",
                                       "-H", user_agent,
                                       "--data-binary", body]))
            if done.stdout != b"200":
                sys.exit(f"curl got {done.stdout!r}")
            done = keep("fsync", timed([fsync_program, fsync_dir, entry]))
            if done.returncode != 0:
                sys.exit(f"fsync-baseline failed: {done.stderr!r}")
            done = keep("queued", timed([APP, "submit", "--queue", "--url", url, "--history",
                                         f"queued-{run}-{i}", "--scores", "5,4,5,3",
                                         "--notes", SUBMIT_NOTES, "--json"], env))
            if done.returncode != 0:
                sys.exit(f"submit --queue failed ({done.returncode}): {done.stdout!r}")
        stored = json.loads(subprocess.run(["curl", "-s", "-H", f"X-Mock-Key: {key}",
                                            url + "/__mock/ratings"],
                                           capture_output=True, text=True).stdout)
        if len(stored) != 3 * SUBMITS:
            sys.exit(f"the server stored {len(stored)} ratings, expected {3 * SUBMITS}")
        for prefix in ("ours-", "queued-"):
            ours_body = next(r["raw_body"] for r in stored if r["history"].startswith(prefix))
            if ours_body != body:
                sys.exit(f"curl's body differs from ours ({prefix}):\n{ours_body}\n{body}")
        left = subprocess.run([APP, "outbox", "list", "--json"], env=env, capture_output=True,
                              text=True, timeout=60)
        if left.returncode != 0 or json.loads(left.stdout) != []:
            sys.exit(f"submit --queue left ratings in the outbox: {left.stdout!r}")
        got["entry_bytes"] = len(entry)
        return got
    finally:
        server.terminate()
        server.wait()


def bound_note(parts):
    """Why a baseline takes its time, from its processes' wall and CPU medians: `parts` is
    [(name, wall_ms, cpu_ms, disk)], `disk` true for a process whose wait beyond its CPU
    time is the disk's (fsync). Disk-bound when that wait is over half the baseline,
    CPU-bound when the CPU time is; else it mostly waits for the other side (the server,
    the scheduler on a loaded machine)."""
    total = sum(wall for _, wall, _, _ in parts)
    cpu = sum(c for _, _, c, _ in parts)
    disk = sum(max(wall - c, 0.0) for _, wall, c, d in parts if d)
    if total and disk / total > 0.5:
        return f"baseline disk-bound: fsync waits {disk:.1f} of its {total:.1f} ms"
    if total and cpu / total > 0.5:
        return f"baseline CPU-bound: {cpu:.1f} of its {total:.1f} ms on the CPU"
    waits = (f", {disk:.1f} ms waiting for fsync" if any(d for _, _, _, d in parts) else "")
    return (f"baseline neither disk- nor CPU-bound: {cpu:.1f} of its {total:.1f} ms on "
            f"the CPU{waits}")


def submit_rows(got):
    """The table rows of `submit` and `submit --queue` (goal: at most 1.3 times the
    baseline, both)."""
    med = statistics.median
    mean = statistics.mean
    curl_note = bound_note([("curl", med(got["curl"]), med(got["curl_cpu"]), False)])
    queue_note = bound_note([("curl", med(got["curl"]), med(got["curl_cpu"]), False),
                             ("fsync", med(got["fsync"]), med(got["fsync_cpu"]), True)])
    baseline_queued = [c + f for c, f in zip(got["curl"], got["fsync"])]
    return [
        ("`submit` end to end on loopback vs curl, identical request (mean of %d)" % SUBMITS,
         mean(got["ours"]), mean(got["curl"]), "ms"),
        ("`submit` vs curl, median (goal ≤ %.1f; %s; ours %.1f ms on the CPU)"
         % (SUBMIT_GOAL, curl_note, med(got["ours_cpu"])),
         med(got["ours"]), med(got["curl"]), "ms"),
        ("`submit --queue` (saved durably, then sent) vs curl + one fsync of the same "
         "%d bytes, file and folder (mean of %d)" % (got["entry_bytes"], SUBMITS),
         mean(got["queued"]), mean(baseline_queued), "ms"),
        ("`submit --queue` vs curl + fsync, median (goal ≤ %.1f; %s; ours %.1f ms on the "
         "CPU)" % (SUBMIT_GOAL, queue_note, med(got["queued_cpu"])),
         med(got["queued"]), med(baseline_queued), "ms"),
    ]


def fmt(v):
    if not isinstance(v, float):
        return str(v)
    return f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}" if abs(v) >= 1 else f"{v:.3f}"


def ratio(a, b):
    if not b:
        return "—" if a == 0 else "∞ (baseline 0)"
    r = a / b
    return f"{r:.2f}" if r >= 0.1 else f"{r:.4f}"


def table_of(rows):
    lines = ["| figure | ours | baseline | ratio | unit |", "|---|---|---|---|---|"]
    for name, a, b, unit in rows:
        lines.append(f"| {name} | {fmt(a)} | {fmt(b)} | {ratio(a, b)} | {unit} |")
    return lines


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    load = os.getloadavg()
    return (f"{os.cpu_count()} cores, {model}, {mem_kib / 1024 / 1024:.1f} GiB RAM, "
            f"{platform.system()} {platform.release()}; load average at the start "
            f"{load[0]:.2f}")


def main():
    started = time.monotonic()
    header_machine = machine()
    if ONLY == "submit":
        # `BENCH_ONLY=submit python3 bench/measure.py` after a release build: the submit
        # rows alone, on stdout (bench/results.md is left as it is).
        table = "\n".join(table_of(submit_rows(submit_vs_curl())))
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        print(f"\n{now}; {header_machine}\n")
        print(table)
        return
    if ONLY:
        sys.exit(f"BENCH_ONLY={ONLY!r}: only 'submit' is known")
    ours, queued, demo, minimal, chromium_cold = cold_starts()
    idle_ours, idle_minimal, idle_chromium = idle()
    frames = frame_times()
    submits = submit_vs_curl()

    med = statistics.median
    mib = lambda kib: kib / 1024.0  # noqa: E731
    first_ours = med(r["first_paint_ms"] for r in ours)
    first_min = med(r["first_paint_ms"] for r in minimal)
    first_queued = med(r["first_paint_ms"] for r in queued)
    first_demo = med(r["first_paint_ms"] for r in demo)
    rss_ours = mib(med(r["peak_rss_kib"] for r in ours))
    rss_queued = mib(med(r["peak_rss_kib"] for r in queued))
    rss_demo = mib(med(r["peak_rss_kib"] for r in demo))
    rss_min = mib(med(r["peak_rss_kib"] for r in minimal))
    pss_ours = mib(med(r["pss_kib"] for r in ours))
    rss_chr = mib(idle_chromium["peak_rss_kib"])
    pss_chr = mib(idle_chromium["pss_kib"])
    budget = 1000.0 / 60.0

    rows = [
        ("cold start to first painted frame, as a clinic runs it (server configured, token "
         "in the keyring, empty outbox), vs minimal eframe (median of %d)" % RUNS,
         first_ours, first_min, "ms"),
        ("cold start with %d ratings waiting in the outbox vs with an empty one (median of %d)"
         % (QUEUED, RUNS), first_queued, first_ours, "ms"),
        ("cold start in demo mode (in-process stand-in server) vs minimal eframe (median of %d)"
         % DEMO_RUNS, first_demo, first_min, "ms"),
        ("cold start to first painted frame vs headless Chromium (launch to screenshot "
         "written, median of %d)" % CHROME_RUNS, first_ours, med(chromium_cold), "ms"),
        ("peak resident memory (VmHWM) 2 s after the first frame, as a clinic runs it, "
         "vs minimal eframe", rss_ours, rss_min, "MiB"),
        ("peak resident memory 2 s after the first frame, %d ratings waiting, vs minimal eframe"
         % QUEUED, rss_queued, rss_min, "MiB"),
        ("peak resident memory 2 s after the first frame, demo mode, vs minimal eframe",
         rss_demo, rss_min, "MiB"),
        ("peak resident memory (VmHWM) vs headless Chromium (sum over its %d processes)"
         % idle_chromium["processes"], rss_ours, rss_chr, "MiB"),
        ("proportional resident memory (PSS) vs headless Chromium (sum over processes)",
         pss_ours, pss_chr, "MiB"),
        ("CPU used in %.0f s idle, form focused, vs headless Chromium" % IDLE,
         idle_ours["idle_cpu_ms"], idle_chromium["idle_cpu_ms"], "ms CPU"),
        ("CPU used in %.0f s idle, form focused, vs minimal eframe" % IDLE,
         idle_ours["idle_cpu_ms"], idle_minimal["idle_cpu_ms"], "ms CPU"),
        ("window repaints seen in %.0f s idle (pixel changes at 20 Hz) vs minimal eframe" % IDLE,
         idle_ours["idle_changes"], idle_minimal["idle_changes"], "changes"),
        ("one frame of the form (UI + tessellation), median of %d, vs 60 Hz budget"
         % frames["frames"], frames["median_ms"], budget, "ms"),
        ("one frame of the form, 99th percentile, vs 60 Hz budget", frames["p99_ms"], budget, "ms"),
        ("one frame of the form, worst (first frame excluded), vs 60 Hz budget",
         frames["max_ms"], budget, "ms"),
        ("first frame (fonts and atlas built), vs 60 Hz budget", frames["first_frame_ms"], budget, "ms"),
        ("one frame of the queue view with 10,000 waiting ratings vs one frame of the empty "
         "form (medians of 300, pointer sweeping)", frames["queue_10000_median_ms"],
         frames["form_idle_median_ms"], "ms"),
    ] + submit_rows(submits)

    lines = table_of(rows)
    lines.append("| outbox drain throughput vs a plain loop | — | — | — | ratings/s "
                 "(measured by `bench/throughput`: its table, «Outbox drain», is "
                 "appended at the end by bench/run) |")
    table = "\n".join(lines)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    took = time.monotonic() - started
    details = {
        "cold_ours_ms": [round(r["first_paint_ms"], 1) for r in ours],
        "cold_queued_ms": [round(r["first_paint_ms"], 1) for r in queued],
        "cold_demo_ms": [round(r["first_paint_ms"], 1) for r in demo],
        "cold_minimal_ms": [round(r["first_paint_ms"], 1) for r in minimal],
        "cold_chromium_ms": [round(v, 1) for v in chromium_cold],
        "idle": {"ours": idle_ours, "minimal": idle_minimal, "chromium": idle_chromium},
        "frames": frames,
        "submit_ms": {name: [round(v, 2) for v in values]
                      for name, values in submits.items() if isinstance(values, list)},
    }
    text = (f"# bench/run results\n\n{now}; {header_machine}. Measurements took {took:.0f} s.\n\n"
            f"{table}\n\nRaw figures:\n\n```json\n{json.dumps(details, indent=1)}\n```\n")
    with open(os.path.join(BENCH, "results.md"), "w") as f:
        f.write(text)
    print(f"\n{now}; {header_machine}\n")
    print(table)


if __name__ == "__main__":
    main()
