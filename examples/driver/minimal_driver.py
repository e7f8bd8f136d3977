#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The minimal driver of docs/driver.md in Python (python/spinal, ctypes).

    PYTHONPATH=python ./minimal_driver.py NAME SECONDS [GOAL_X GOAL_Y]
"""
import math
import sys
import time

from spinal.driver import Driver

name = sys.argv[1] if len(sys.argv) > 1 else "spinal"
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
x = y = th = 0.0
with Driver(name, wait_ms=5000) as d:
    if len(sys.argv) > 4:  # operator role: a goal through spinal-agent's API
        print("goal:", d.goal(float(sys.argv[3]), float(sys.argv[4])))
    dt = d.core_period_ns * 1e-9
    t_next = time.monotonic()
    for _ in range(int(seconds / dt)):
        c = d.command()                  # v = omega = 0 unless safe to apply
        x += c.v * math.cos(th) * dt     # the robot moves
        y += c.v * math.sin(th) * dt
        th += c.omega * dt
        d.publish(x, y, th, c.v, c.omega)
        d.follow()                       # core restarted? re-attach
        t_next += dt
        time.sleep(max(0.0, t_next - time.monotonic()))
    st = d.status()
    print("minimal_driver.py: pose %.3f %.3f %.3f; core %s, goal reached %s"
          % (x, y, th, st["state"], st["goal_reached"]))
