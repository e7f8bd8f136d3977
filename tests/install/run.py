#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make check-install: a DESTDIR install, checked and run the way systemd would.

PID 1 here is not systemd, so each unit's ExecStart runs under setpriv with
the unit's User=, Group=, SupplementaryGroups=, AmbientCapabilities=,
CapabilityBoundingSet= and NoNewPrivileges=, in its RuntimeDirectory= and
StateDirectory= (created with the unit's owner and mode), inside a private
network namespace (the agent's 127.0.0.1:9477 cannot collide with anything).
Only the paths move: PREFIX/... to DESTDIR/PREFIX/..., /run/spinal and
/var/lib/spinal to scratch directories, and the instance name to a unique one.
Then the operator guide's commands (docs/operator-guide.md "Install and run")
set a goal, and the simulated robot must reach it.

Usage: run.py DESTDIR PREFIX SCRATCH
"""
import json
import os
import pwd
import grp
import re
import shlex
import signal
import subprocess
import sys
import time

DEST, PREFIX, T = sys.argv[1], sys.argv[2], sys.argv[3]
ROOT = DEST + PREFIX
INST = "inst%d" % os.getpid()
NS = "spinal-inst%d" % os.getpid()
RUN = os.path.join(T, "run")
STATE = os.path.join(T, "state")
UNITS = os.path.join(ROOT, "lib/systemd/system")
procs = []


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    raise SystemExit(1)


def note(msg):
    print("  " + msg, flush=True)


def unit(name):
    """Parse a unit: {key: [values]} of [Service] (continuations joined)."""
    text = open(os.path.join(UNITS, name)).read().replace("\\\n", " ")
    out, sect = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            sect = line
            continue
        k, _, v = line.partition("=")
        out.setdefault(sect + k.strip(), []).append(v.strip())
    return out


def relocate(arg):
    arg = arg.replace(PREFIX + "/", ROOT + "/")
    arg = arg.replace("/run/spinal", RUN).replace("/var/lib/spinal", STATE)
    return arg


def svc(u, key, default=None):
    v = u.get("[Service]" + key)
    return v[-1] if v else default


def start(name, extra_env=None):
    u = unit(name)
    argv = [relocate(a) for a in shlex.split(svc(u, "ExecStart"))]
    # the instance name: --name spinal -> a unique one
    for i, a in enumerate(argv[:-1]):
        if a == "--name":
            argv[i + 1] = INST
    user, group = svc(u, "User"), svc(u, "Group")
    # RuntimeDirectory=spinal is /run/spinal (here RUN), StateDirectory=spinal /var/lib/spinal
    for key, base in (("RuntimeDirectory", RUN), ("StateDirectory", STATE)):
        d = svc(u, key)
        if not d:
            continue
        p = base if d == "spinal" else os.path.join(os.path.dirname(base), d)
        os.makedirs(p, exist_ok=True)
        os.chown(p, pwd.getpwnam(user).pw_uid, grp.getgrnam(group).gr_gid)
        os.chmod(p, int(svc(u, key + "Mode", "0755"), 8))
    caps = " ".join(u.get("[Service]AmbientCapabilities", [])).split()
    bound = " ".join(u.get("[Service]CapabilityBoundingSet", [])).split()
    sp = ["setpriv", "--reuid", user, "--regid", group, "--init-groups"]
    sup = " ".join(u.get("[Service]SupplementaryGroups", [])).split()
    if sup:
        sp[-1:] = ["--groups", ",".join(sup)]
    def capname(x):  # setpriv spells CAP_SYS_NICE "sys_nice"
        return x.lower()[4:] if x.lower().startswith("cap_") else x.lower()
    c = ",".join("+" + capname(x) for x in caps)
    if c:
        sp += ["--inh-caps", c, "--ambient-caps", c]
    sp += ["--bounding-set", "-all" + "".join(",+" + capname(x) for x in bound)]
    if svc(u, "NoNewPrivileges") == "yes":
        sp += ["--no-new-privs"]
    env = dict(os.environ, SPINAL_RUN_DIR=RUN)
    env.pop("SPINAL_AGENT_TOKEN", None)
    if extra_env:
        env.update(extra_env)
    umask = svc(u, "UMask")
    log = open(os.path.join(T, name + ".log"), "w")
    cmd = ["ip", "netns", "exec", NS] + sp + ["--"] + argv
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                         preexec_fn=(lambda: os.umask(int(umask, 8))) if umask else None)
    procs.append(p)
    note("%s: %s as %s:%s%s%s" % (name, os.path.basename(argv[0]), user, group,
                                  " caps " + ",".join(caps) if caps else "",
                                  " NoNewPrivs" if "--no-new-privs" in sp else ""))
    return p


def inspect():
    r = subprocess.run([ROOT + "/bin/spinal-inspect", "--name", INST, "--json", "--socket",
                        os.path.join(RUN, "core.sock")],
                       capture_output=True, text=True, env=dict(os.environ, SPINAL_RUN_DIR=RUN))
    return json.loads(r.stdout) if r.returncode == 0 else None


def wait(pred, seconds, what):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        j = inspect()
        if j is not None and pred(j):
            return j
        time.sleep(0.2)
    for f in sorted(os.listdir(T)):
        if f.endswith(".log"):
            print("--- " + f, file=sys.stderr)
            print(open(os.path.join(T, f)).read()[-2500:], file=sys.stderr)
    fail("timed out after %d s waiting for %s (last: %s)" % (seconds, what, json.dumps(inspect())[:400]))


def guide_commands():
    """The commands of the operator guide's 'Install and run' section, in order."""
    doc = open(os.path.join(ROOT, "share/doc/spinal/operator-guide.md")).read()
    m = re.search(r"<!-- install-run -->\n```sh\n(.*?)```", doc, re.S)
    if not m:
        fail("operator-guide.md has no '<!-- install-run -->' command block")
    return [l for l in m.group(1).splitlines() if l.strip() and not l.startswith("#")]


def main():
    subprocess.run(["ip", "netns", "add", NS], check=True)
    try:
        subprocess.run(["ip", "-n", NS, "link", "set", "lo", "up"], check=True)
        os.makedirs(RUN, exist_ok=True)
        os.makedirs(STATE, exist_ok=True)
        cmds = guide_commands()
        note("operator guide: %d commands" % len(cmds))
        goal = None
        for c in cmds:
            if c.startswith("systemctl enable --now") or c.startswith("systemctl start"):
                for name in c.split()[3 if "enable" in c else 2:]:
                    start(name if name.endswith(".service") else name + ".service")
                    time.sleep(1.0)
            elif c.startswith("spinal-agent ctl goal "):
                goal = tuple(map(float, c.split()[3:5]))
                wait(lambda j: j["telemetry"]["agent_attached"] and j["graph"]["nodes"] > 0, 30,
                     "the agent attached with the map")
                wait(lambda j: j["model"]["layers"] > 0 if "model" in j else True, 30,
                     "the model loaded")
                r = subprocess.run(["ip", "netns", "exec", NS, ROOT + "/bin/spinal-agent", "ctl",
                                    "goal", c.split()[3], c.split()[4]],
                                   capture_output=True, text=True)
                note("%s -> %s" % (c, r.stdout.strip()[:200]))
                if r.returncode != 0:
                    fail("'%s' failed: %s %s" % (c, r.stdout, r.stderr))
            elif c.startswith("systemd-sysusers"):
                subprocess.run(["systemd-sysusers", relocate(c.split()[1])], check=True)
                note("%s: users %s" % (c, ", ".join(
                    u for u in ("spinal-core", "spinal", "spinal-driver") if pwd.getpwnam(u))))
            elif c.startswith("spinal-inspect") and "--watch" not in c:
                j = inspect()
                if j is None:
                    fail("'%s' failed" % c)
            else:
                note("(not run here: %s)" % c)
        if goal is None:
            fail("the guide sets no goal")
        j = wait(lambda j: j["state"] == "running" and (j["pose"]["x"] != 2 or j["pose"]["y"] != 8)
                 and j["cmd"]["v"] != 0, 30, "the robot to move")
        note("moving: pose %.2f %.2f, cmd %.2f m/s" % (j["pose"]["x"], j["pose"]["y"], j["cmd"]["v"]))
        j = wait(lambda j: j["goal_reached"], 90, "the goal %r" % (goal,))
        note("goal reached: pose %.2f %.2f, model id %s, graph %d nodes" % (
            j["pose"]["x"], j["pose"]["y"], j.get("model", {}).get("id", "?"), j["graph"]["nodes"]))
        # the bridge's unit: the other driver, as its own user (no ROS peer needed)
        for p in procs:
            if "spinal-sim" in " ".join(p.args):
                p.terminate()
                p.wait(timeout=10)
        b = start("spinal-ros2.service", {"ROS_DOMAIN_ID": str(os.getpid() % 200 + 1)})
        end = time.monotonic() + 20
        log = os.path.join(T, "spinal-ros2.service.log")
        while time.monotonic() < end and "node /spinal_bridge" not in open(log).read():
            if b.poll() is not None:
                fail("spinal-ros2.service exited %d: %s" % (b.returncode, open(log).read()[-800:]))
            time.sleep(0.2)
        if "node /spinal_bridge" not in open(log).read():
            fail("spinal-ros2.service did not start its node: %s" % open(log).read()[-800:])
        note("spinal-ros2.service: " + [l for l in open(log) if "node /spinal_bridge" in l][0].strip()[:160])
        b.send_signal(signal.SIGTERM)
        if b.wait(timeout=10) != 0:
            fail("spinal-ros2.service did not exit 0 on SIGTERM")
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        subprocess.run(["ip", "netns", "del", NS])
        subprocess.run(["sh", "-c", "rm -f /dev/shm/spinal.%s.*" % INST])


if __name__ == "__main__":
    main()
