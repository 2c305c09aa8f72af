#!/usr/bin/env python3
"""Type-ahead in the real window: ratings typed with xdotool at a fixed gap between keys.

For each gap (milliseconds between keys, 0 = as fast as X delivers them) a fresh desk
window is started against a stand-in server in another process, and N ratings are typed
with the README's keyboard-only sequence, each as one uninterrupted burst: visit id, Tab,
digit, Tab, digit, Tab, digit, Tab, digit, Tab, remarks, Ctrl+Enter. After each, the script
waits until the server has the rating and presses Enter for the next form. A rating is
"exact" when the server stored exactly the visit id, scores and remarks that were typed.

Prints a table, and the fastest gap at which every rating arrived exact. With --busy N,
N processes keep the processors busy meanwhile (a parallel build, a slow machine).

    python3 bench/typeahead.py --app target/release/visit-rating --gaps 40,10,0 --ratings 20

Needs: Xvfb (started here when DISPLAY is unset), xdotool, openbox (a window manager gives
the window the keyboard focus as a desktop does; without one the script focuses it itself).
Remarks are ASCII: xdotool remaps keys for characters missing from the keyboard map, and
typing Cyrillic fast garbles them in X itself, before any program sees them.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "typeahead-token"


def log(text):
    print(text, file=sys.stderr, flush=True)


def free_display():
    for n in range(90, 200):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            return n
    sys.exit("typeahead: no free X display")


def wait_for(check, limit, what):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(what)


def stored(url):
    with urllib.request.urlopen(url + "/__mock/ratings", timeout=10) as answer:
        return json.load(answer)


KEYSYMS = {"-": "minus", " ": "space", ",": "comma", ".": "period"}


def keys(text):
    return [KEYSYMS.get(ch, ch) for ch in text]


def burst(gap, visit_id, digits, notes):
    """One xdotool command for the whole rating, the same gap between every two keys.
    (`xdotool type` would take every later argument as text: keys only.)"""
    sequence = keys(visit_id)
    for digit in digits:
        sequence += ["Tab", str(digit)]
    sequence += ["Tab"] + keys(notes) + ["ctrl+Return"]
    return ["xdotool", "key", "--delay", str(gap)] + sequence


def run_gap(app, url, gap, count, env):
    home = tempfile.mkdtemp(prefix="typeahead-home-")
    wenv = dict(env, HOME=home, XDG_CONFIG_HOME=home + "/.config",
                XDG_DATA_HOME=home + "/.local/share", VISIT_RATING_TOKEN=TOKEN,
                VISIT_RATING_URL=url)
    window = subprocess.Popen([app], env=wenv,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    expected = []
    try:
        wid = wait_for(lambda: subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--pid", str(window.pid)],
            capture_output=True, text=True).stdout.split(), 60, "the window never appeared")[-1]
        subprocess.run(["xdotool", "windowactivate", "--sync", wid], check=False,
                       capture_output=True, timeout=10)
        subprocess.run(["xdotool", "windowfocus", "--sync", wid], check=False,
                       capture_output=True, timeout=10)
        time.sleep(1.0)  # the first frames, the focus on the visit id
        before = len(stored(url))
        for i in range(count):
            visit_id = f"ta-{gap}ms-{os.getpid()}-{i + 1}"
            digits = [(i + k) % 5 + 1 for k in range(4)]
            notes = f"typed ahead at {gap} ms, rating {i + 1}"
            expected.append((visit_id, digits, notes))
            subprocess.run(burst(gap, visit_id, digits, notes), check=True, timeout=120)
            try:
                wait_for(lambda: len(stored(url)) >= before + i + 1, 20,
                         f"rating {i + 1} never reached the server")
            except TimeoutError as e:
                log(f"  {gap} ms: {e}")
                break
            # The next form (held by the window until the thank-you screen is up).
            subprocess.run(["xdotool", "key", "Return"], check=True, timeout=30)
            time.sleep(0.3)
    finally:
        window.terminate()
        try:
            window.wait(timeout=10)
        except subprocess.TimeoutExpired:
            window.kill()
        shutil.rmtree(home, ignore_errors=True)
    got = {r["history"]: r["body"] for r in stored(url)}
    exact = 0
    for visit_id, digits, notes in expected:
        body = got.get(visit_id)
        if body is None:
            log(f"  {gap} ms: {visit_id} missing")
            continue
        scores = [body["result_1"], body["result_2"], body["result_3"], body["result_4"]]
        if scores == digits and body["notes"] == notes and body["dont_visit"] == 0:
            exact += 1
        else:
            log(f"  {gap} ms: {visit_id} arrived as {scores} {body['notes']!r}")
    strays = [h for h in got if h.startswith(f"ta-{gap}ms-{os.getpid()}-")
              and h not in {e[0] for e in expected}]
    for h in strays:
        log(f"  {gap} ms: a rating for a visit nobody typed: {h}")
    return exact, len(strays)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release",
        "visit-rating"))
    parser.add_argument("--gaps", default="40,20,10,5,1,0",
                        help="milliseconds between keys, slowest first")
    parser.add_argument("--ratings", type=int, default=20)
    parser.add_argument("--busy", type=int, default=0,
                        help="processes that keep the processors busy meanwhile")
    parser.add_argument("--markdown", action="store_true",
                        help="print the section for bench/results.md on stdout")
    args = parser.parse_args()
    gaps = [int(g) for g in args.gaps.split(",")]

    env = dict(os.environ)
    helpers = []
    work = tempfile.mkdtemp(prefix="typeahead-")
    try:
        if not env.get("DISPLAY"):
            n = free_display()
            helpers.append(subprocess.Popen(
                ["Xvfb", f":{n}", "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_for(lambda: os.path.exists(f"/tmp/.X11-unix/X{n}"), 10, "Xvfb did not start")
            env["DISPLAY"] = f":{n}"
            os.environ["DISPLAY"] = env["DISPLAY"]
        if not env.get("XDG_RUNTIME_DIR"):
            env["XDG_RUNTIME_DIR"] = os.path.join(work, "xdg")
            os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
        env.pop("WAYLAND_DISPLAY", None)
        if shutil.which("openbox"):
            helpers.append(subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL))
            time.sleep(0.5)
        else:
            log("typeahead: openbox not found; focusing the window by hand")
        server = subprocess.Popen([args.app, "mock-server", "--addr", "127.0.0.1:0",
                                   "--token", TOKEN], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        helpers.append(server)
        url = server.stdout.readline().strip().removeprefix("listening on ")
        for _ in range(args.busy):
            helpers.append(subprocess.Popen([sys.executable, "-c", "while True: pass"]))

        rows = []
        for gap in gaps:
            log(f"typeahead: {args.ratings} ratings at {gap} ms between keys"
                f" ({args.busy} busy processes)")
            start = time.monotonic()
            exact, strays = run_gap(args.app, url, gap, args.ratings, env)
            rows.append((gap, exact, strays, time.monotonic() - start))
            log(f"  {gap} ms: {exact}/{args.ratings} exact, {strays} strays")
    finally:
        for helper in reversed(helpers):
            helper.terminate()
        for helper in helpers:
            try:
                helper.wait(timeout=10)
            except subprocess.TimeoutExpired:
                helper.kill()
        shutil.rmtree(work, ignore_errors=True)

    whole = [gap for gap, exact, strays, _ in rows if exact == args.ratings and strays == 0]
    fastest = min(whole) if whole else None
    lines = ["## Type-ahead in the real window", "",
             f"{args.ratings} ratings per gap, typed with xdotool (id, Tab, 4 digits, remarks,"
             f" Ctrl+Enter) into the desk window, {args.busy} busy processes beside it.", "",
             "| gap between keys | exact | strays | time |", "|---|---|---|---|"]
    for gap, exact, strays, took in rows:
        lines.append(f"| {gap} ms | {exact}/{args.ratings} | {strays} | {took:.0f} s |")
    lines += ["", "Fastest gap with every rating exact: "
              + (f"**{fastest} ms**" if fastest is not None else "none") + "", ""]
    text = "\n".join(lines)
    if args.markdown:
        print(text)
    else:
        print(text, file=sys.stderr)
    sys.exit(0 if fastest is not None and fastest == min(gaps) else 1)


if __name__ == "__main__":
    main()
