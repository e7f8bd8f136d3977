#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make bench-ros2: spinal-ros2's latency beside a plain rclpy echo node.

In a private network namespace, the rclpy robot (tests/ros2/robot.py
--scenario bench) publishes /odom at 1 kHz.  Rounds alternate, A B A B ...
(--pairs, >= 10; statistics: tools/bench/pairstat.py):
  A  spinal-ros2 (Cyclone DDS) attached to a live core: odometry arrival ->
     state mailbox, and core command in the mailbox -> /cmd_vel published
     (--cmd-rate-hz 1000), from its --latency-json
  B  tests/ros2/echo.py (rclpy, Fast DDS): callback entry -> publish() returned
For each, the median over rounds of p50 and p99; the ratio A/B of the odometry
path per pair, its median and a bootstrap 95 % interval.  Prints a table and
writes --json.  Nothing is asserted: a benchmark, not a test.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def sh(*a, **kw):
    return subprocess.run(list(a), check=True, **kw)


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tools", "bench"))
import pairstat  # noqa: E402  the one paired-rounds statistic


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build")
    p.add_argument("--pairs", type=int, default=10)
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--json", default=None)
    a = p.parse_args()
    B = os.path.join(a.build, "bin")
    py = sys.executable
    ns = "spinal-r2b%d" % os.getpid()
    inst = "r2b%d" % os.getpid()
    tmp = tempfile.mkdtemp(prefix="spinal-r2b-")
    env = dict(os.environ, ROS_DOMAIN_ID=str(os.getpid() % 200 + 1), ROS_LOG_DIR=tmp,
               RMW_IMPLEMENTATION="rmw_fastrtps_cpp")
    nsx = ["ip", "netns", "exec", ns]
    sh("ip", "netns", "add", ns)
    procs = []
    try:
        sh("ip", "-n", ns, "link", "set", "lo", "up", "multicast", "on")
        sh("ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", "lo")
        core = subprocess.Popen(nsx + [B + "/spinal-core", "--name", inst, "--io", "shm",
                                       "--no-rt", "--max-consec-miss", "0", "--stale-ms", "200",
                                       "--wd-timeout-ms", "0", "-q"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(core)
        time.sleep(0.5)
        rounds = {"A": [], "B": []}
        for i in range(a.pairs):
            for side in "AB":
                out = os.path.join(tmp, "lat-%s-%d.json" % (side, i))
                if side == "A":
                    peer = subprocess.Popen(nsx + [B + "/spinal-ros2", "--name", inst, "-q",
                                                   "--cmd-rate-hz", "1000",
                                                   "--duration", str(a.seconds + 1.5),
                                                   "--latency-json", out],
                                            stdout=subprocess.DEVNULL, env=env)
                else:
                    peer = subprocess.Popen(nsx + [py, "tests/ros2/echo.py", "--seconds",
                                                   str(a.seconds + 1.5)],
                                            stdout=open(out, "w"), env=env)
                time.sleep(1.0)  # discovery
                robot = subprocess.run(nsx + [py, "tests/ros2/robot.py", "--scenario", "bench",
                                              "--odom-hz", "1000", "--seconds", str(a.seconds)],
                                       capture_output=True, text=True, env=env, check=True)
                peer.wait(timeout=30)
                sent = json.loads(robot.stdout.strip().splitlines()[-1])["odom_sent"]
                j = json.load(open(out))
                j["odom_sent"] = sent
                rounds[side].append(j)
        core.terminate()
        core.wait(timeout=10)
    finally:
        for pr in procs:
            if pr.poll() is None:
                pr.kill()
        subprocess.run(["ip", "netns", "del", ns])
        subprocess.run(["sh", "-c", "rm -f /dev/shm/spinal.%s.*" % inst])

    def med(side, key, q):
        return statistics.median(r[key][q] for r in rounds[side])

    rows = [
        ("spinal-ros2 odometry arrival -> mailbox", "A", "odom_arrival_to_mailbox"),
        ("spinal-ros2 mailbox -> /cmd_vel published", "A", "cmd_mailbox_to_publish"),
        ("spinal-ros2 mailbox read -> /cmd_vel published", "A", "cmd_read_to_publish"),
        ("spinal-ros2 ROS stamp -> arrival (Fast DDS -> Cyclone)", "A", "odom_stamp_to_arrival"),
        ("rclpy echo callback -> publish() returned", "B", "arrival_to_publish"),
        ("rclpy echo ROS stamp -> callback (Fast DDS -> Fast DDS)", "B", "stamp_to_arrival"),
    ]
    res = {"pairs": a.pairs, "seconds_per_round": a.seconds, "odom_hz": 1000, "rows": []}
    print("%-58s %10s %10s %8s" % ("path (median over %d rounds)" % a.pairs, "p50 us", "p99 us",
                                   "samples"))
    for label, side, key in rows:
        p50, p99 = med(side, key, "p50_ns") / 1e3, med(side, key, "p99_ns") / 1e3
        cnt = statistics.median(r[key]["count"] for r in rounds[side])
        print("%-58s %10.1f %10.1f %8d" % (label, p50, p99, cnt))
        res["rows"].append({"path": label, "key": key, "p50_us": p50, "p99_us": p99,
                            "median_count": cnt})
    for q in ("p50_ns", "p99_ns"):
        # A = the rclpy echo node (baseline), B = the bridge's inbound path
        summ = pairstat.summarize([r["arrival_to_publish"][q] / 1e3 for r in rounds["B"]],
                                  [r["odom_arrival_to_mailbox"][q] / 1e3 for r in rounds["A"]],
                                  name="inbound %s" % q[:3], unit="us", a_name="rclpy-echo",
                                  b_name="spinal-ros2", min_pairs=min(10, a.pairs))
        print(pairstat.line(summ))
        res["inbound_" + q[:3]] = summ
    sent = statistics.median(r["odom_sent"] for r in rounds["A"] + rounds["B"]) / a.seconds
    print("odometry sent by the rclpy robot: median %.0f msg/s" % sent)
    res["odom_rate_sent"] = sent
    if a.json:
        json.dump(res, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
