#!/usr/bin/env python3
"""The live console in headless Chromium (Debian's /usr/bin/chromium driven
through /usr/bin/chromedriver by selenium; no browser is downloaded).

Against a running core (sim) + agent at --url, on a laptop-sized and a
tablet-sized window:
  1. the page loads, streams (SSE) and the robot moves on the map;
  2. a click on the map sets a goal: the core's goal becomes that node and
     the robot's distance to it shrinks;
  3. E-STOP: the command goes to zero and the page says so; clear (with the
     confirmation dialog) and the robot drives again;
  4. a map and a model uploaded through the page get the core's verdict;
  5. the read-only view (an observer) refuses every control (when the
     agent authenticates; an agent without authentication says so);
  6. replay: the recorded log of this run plays with the same panels;
  7. the tablet layout is one column with the e-stop in view.
Screenshots go to --shots.  Every wait polls with a generous bound; nothing
asserts a duration.
"""
import argparse
import json
import math
import os
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def note(msg):
    print("  " + msg, flush=True)


def wait(what, fn, timeout=60.0, every=0.2):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # page still loading
            last = e
        time.sleep(every)
    fail("timed out waiting for " + what + " (last: " + repr(last)[:300] + ")")


def browser(width, height):
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--no-first-run", "--disable-extensions", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--metrics-recording-only",
              "--window-size=%d,%d" % (width, height), "--force-device-scale-factor=1"):
        o.add_argument(a)
    d = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=o)
    d.set_window_size(width, height)
    return d


def frame(d):
    return d.execute_script("return window.spinal && window.spinal.frame")


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def click_world(d, x, y):
    """Click the map canvas at world (x, y) through the page's own transform."""
    cv = d.find_element(By.ID, "map")
    px, py = d.execute_script("return window.spinal.T.toScreen(arguments[0], arguments[1])", x, y)
    r = d.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height]", cv)
    ActionChains(d).move_to_element_with_offset(cv, px - r[0] / 2, py - r[1] / 2).click().perform()


def shot(d, path):
    d.save_screenshot(path)
    note("screenshot " + path)


def laptop(args, d):
    d.get(args.url + "/")
    wait("the stream's first frame", lambda: frame(d) and frame(d)["attached"])
    wait("the SSE connection", lambda: d.find_element(By.ID, "conn").text == "live")
    f0 = frame(d)
    p0 = (f0["pose"]["x"], f0["pose"]["y"])
    wait("the map", lambda: d.execute_script("return window.spinal.map && window.spinal.map.nodes.length") > 0)
    f1 = wait("the robot to move on the map", lambda: (lambda f: f if math.hypot(
        f["pose"]["x"] - p0[0], f["pose"]["y"] - p0[1]) > 0.3 else None)(frame(d)))
    trail = d.execute_script("return window.spinal.trail.length")
    note("robot moved from (%.2f, %.2f) to (%.2f, %.2f), trail %d points, path %d nodes" %
         (p0[0], p0[1], f1["pose"]["x"], f1["pose"]["y"], trail, len(f1["path"])))
    if trail < 2:
        fail("no trail drawn")
    if not f1["path"]:
        fail("no next-hop path to the graph's goal")
    wait("histograms", lambda: d.execute_script(
        "return document.querySelectorAll('#hists .hist[data-p99]').length") == 5)
    role = d.execute_script("return window.spinal.role")
    if role != "operator":
        fail("the local page is not an operator (role %s): cannot test controls" % role)

    # 2. click a goal: a node in the other direction from where the robot heads
    m = d.execute_script("return window.spinal.map")
    cur = frame(d)
    old_goal = cur["goal"]["node"]
    rx, ry = cur["pose"]["x"], cur["pose"]["y"]
    cand = [n for n in m["nodes"] if n["id"] != old_goal and 6 < math.hypot(n["x"] - rx, n["y"] - ry) < 14]
    if not cand:
        fail("no node 6..14 m from the robot to click")
    target = min(cand, key=lambda n: (n["x"] - 2) ** 2 + (n["y"] - 12) ** 2)
    click_world(d, target["x"], target["y"])
    wait("the goal verdict", lambda: d.find_element(By.ID, "verdict").get_attribute("data-status") == "200")
    note("verdict: " + d.find_element(By.ID, "verdict").text)
    f2 = wait("the core's goal to be the clicked node %d" % target["id"],
              lambda: (lambda f: f if f["goal"]["node"] == target["id"] else None)(frame(d)))
    if f2["path"] and f2["path"][-1] != target["id"]:
        fail("path does not end at the new goal: %r" % f2["path"][-5:])
    d0 = math.hypot(f2["pose"]["x"] - target["x"], f2["pose"]["y"] - target["y"])
    f3 = wait("the robot to head to the new goal (distance %.2f m shrinking by 1 m)" % d0,
              lambda: (lambda f: f if math.hypot(f["pose"]["x"] - target["x"], f["pose"]["y"] - target["y"])
                       < d0 - 1.0 else None)(frame(d)), timeout=90)
    note("goal node %d: distance %.2f m -> %.2f m" % (target["id"], d0, math.hypot(
        f3["pose"]["x"] - target["x"], f3["pose"]["y"] - target["y"])))
    shot(d, os.path.join(args.shots, "console-laptop.png"))

    # 3. e-stop: one click; the command goes to zero and the page says so
    d.find_element(By.ID, "estop-btn").click()
    fe = wait("the e-stop in the core and a zero command", lambda: (lambda f: f if f["safety"]["estop"]
              and f["cmd"]["v"] == 0 and f["cmd"]["omega"] == 0 else None)(frame(d)))
    text = d.find_element(By.ID, "safety").text
    if "E-STOP ENGAGED" not in text or "Clear" not in text:
        fail("the page does not say the e-stop is engaged and how to clear it: %r" % text)
    if d.execute_script("return document.body.dataset.estop") != "1":
        fail("body data-estop not set")
    note("e-stop: cmd v=%g omega=%g, banner: %s" % (fe["cmd"]["v"], fe["cmd"]["omega"], text[:80]))
    shot(d, os.path.join(args.shots, "console-estop.png"))
    # clear asks first: "keep stopped" keeps it
    d.find_element(By.ID, "estop-clear-btn").click()
    wait("the confirmation dialog", lambda: d.find_element(By.ID, "confirm").get_attribute("open") is not None)
    d.find_element(By.ID, "confirm-no").click()
    time.sleep(1.0)
    if not frame(d)["safety"]["estop"]:
        fail("'Keep stopped' cleared the e-stop")
    d.find_element(By.ID, "estop-clear-btn").click()
    wait("the confirmation dialog", lambda: d.find_element(By.ID, "confirm").get_attribute("open") is not None)
    d.find_element(By.ID, "confirm-yes").click()
    wait("the e-stop to clear", lambda: not frame(d)["safety"]["estop"])
    wait("the robot to drive again", lambda: abs(frame(d)["cmd"]["v"]) > 0.01, timeout=60)
    note("e-stop cleared after confirmation; robot driving again")

    # 4. uploads: a map and a model through the page, the core's verdict shown
    gen = frame(d)["map"]["generation"]
    d.find_element(By.ID, "upload-map").send_keys(os.path.abspath(args.map))
    wait("the map verdict", lambda: "map floor.json: accepted" in d.find_element(By.ID, "verdict").text)
    wait("a new map generation", lambda: frame(d)["map"]["generation"] > gen)
    bad = os.path.join(os.path.dirname(args.shots), "console-bad-map.json")
    with open(bad, "w") as fh:
        fh.write('{"version": 1, "nodes": [{"id": 0, "x": 1e9, "y": 0}], "edges": []}\n')
    d.find_element(By.ID, "upload-map").send_keys(os.path.abspath(bad))
    wait("the bad map refused", lambda: "refused (422)" in d.find_element(By.ID, "verdict").text)
    note("bad map: " + d.find_element(By.ID, "verdict").text[:120])
    d.find_element(By.ID, "upload-model").send_keys(os.path.abspath(args.model))
    wait("the model verdict", lambda: "accepted by the core" in d.find_element(By.ID, "verdict").text
         and "model default.nir" in d.find_element(By.ID, "verdict").text, timeout=60)
    note("model: " + d.find_element(By.ID, "verdict").text[:120])

    # 5. read-only
    sess = get_json(args.url + "/console/api/session")
    if sess.get("auth") == "none":
        note("read-only view: this agent has no authentication yet (session: %s); the page says: %s" %
             (sess.get("role"), d.find_element(By.ID, "role").text[:100]))
        if "no authentication" not in d.find_element(By.ID, "role").text:
            fail("an agent without authentication must say so on the page")
    else:
        fail("an authenticating agent: the observer test needs its credentials (not wired yet)")

    # 6. replay of this run's log
    d.find_element(By.ID, "mode-replay").click()
    wait("the log list", lambda: len(d.find_elements(By.CSS_SELECTOR, "#replay-run option")) > 0)
    d.find_element(By.ID, "replay-load").click()
    wait("the replay frames", lambda: d.execute_script("return window.spinal.replay && window.spinal.replay.frames.length") > 10)
    n = d.execute_script("return window.spinal.replay.frames.length")
    d.execute_script("const s = document.getElementById('replay-slider'); s.value = arguments[0];"
                     "s.dispatchEvent(new Event('input'));", n // 2)
    fr = wait("the replayed frame", lambda: (lambda f: f if f and f.get("replay") else None)(frame(d)))
    wait("replayed histograms", lambda: d.execute_script(
        "return document.querySelectorAll('#hists .hist[data-p99]').length") == 5)
    if d.find_element(By.ID, "state").text != "replay":
        fail("the page does not say it is a replay")
    note("replay: %d frames, frame %d at tick %d, pose (%.2f, %.2f)" %
         (n, n // 2, fr["rec"]["seq"], fr["pose"]["x"], fr["pose"]["y"]))
    shot(d, os.path.join(args.shots, "console-replay.png"))
    d.find_element(By.ID, "mode-live").click()


def tablet(args, d):
    d.get(args.url + "/")
    wait("the stream's first frame", lambda: frame(d) and frame(d)["attached"])
    wait("the robot on the map", lambda: d.execute_script("return window.spinal.trail.length") > 1)
    wait("histograms", lambda: d.execute_script(
        "return document.querySelectorAll('#hists .hist[data-p99]').length") == 5)
    vw = d.execute_script("return window.innerWidth")
    sw = d.execute_script("return document.documentElement.scrollWidth")
    mw = d.execute_script("return document.querySelector('.map-panel').getBoundingClientRect().width")
    er = d.execute_script("const r = document.getElementById('estop-btn').getBoundingClientRect();"
                          "return [r.top, r.bottom, r.left, r.right]")
    note("tablet %dx%d: page %d px wide, map panel %d px, e-stop at %r" % (
        vw, d.execute_script("return window.innerHeight"), sw, mw, er))
    if sw > vw + 1:
        fail("tablet layout scrolls sideways (%d > %d px)" % (sw, vw))
    if mw < 0.9 * vw - 24:
        fail("tablet layout is not one column (map panel %d of %d px)" % (mw, vw))
    d.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    time.sleep(0.3)
    er = d.execute_script("const r = document.getElementById('estop-btn').getBoundingClientRect();"
                          "return [r.top, r.bottom]")
    if er[0] < 0 or er[1] > d.execute_script("return window.innerHeight"):
        fail("the e-stop button scrolled out of view: %r" % er)
    d.execute_script("window.scrollTo(0, 0)")
    time.sleep(0.3)
    shot(d, os.path.join(args.shots, "console-tablet.png"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--shots", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--map", required=True)
    args = ap.parse_args()
    os.makedirs(args.shots, exist_ok=True)
    for name, (w, h), fn in (("laptop", (1366, 900), laptop), ("tablet", (820, 1180), tablet)):
        print("%s viewport %dx%d" % (name, w, h), flush=True)
        d = browser(w, h)
        try:
            fn(args, d)
            errs = [e for e in d.get_log("browser") if e.get("level") == "SEVERE"
                    and "/favicon" not in e.get("message", "")]
            # refused requests are expected (bad map 422); script errors are not
            errs = [e for e in errs if "status of 4" not in e.get("message", "")]
            if errs:
                fail("browser console errors: %r" % errs[:3])
        finally:
            d.quit()
    print("browser: all steps passed")


if __name__ == "__main__":
    main()
