#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A plain rclpy echo node: /odom in, /odom_echo out, timing itself.

The baseline of tests/ros2/bench.sh: what a ROS 2 node (rclpy, Fast DDS)
costs to take a message off the wire and hand it on, measured the way
spinal-ros2 measures its own odometry path:
  arrival_to_publish  callback entry -> publish() returned   (vs the bridge's
                      odom_arrival_to_mailbox)
  stamp_to_arrival    header.stamp (sender's ROS time) -> callback entry
Runs --seconds, then prints one JSON object with p50/p99/max in ns.
"""
import argparse
import json
import time

import rclpy
from nav_msgs.msg import Odometry
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy


def pct(v, q):
    if not v:
        return 0
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=5)
    a = p.parse_args()
    rclpy.init()
    n = Node("echo")
    qos = QoSProfile(depth=5, reliability=ReliabilityPolicy.BEST_EFFORT)  # as the bridge
    pub = n.create_publisher(Odometry, "odom_echo", 10)
    arr, wire = [], []

    def cb(m):
        t0 = time.monotonic_ns()
        rt = time.time_ns()
        pub.publish(m)
        arr.append(time.monotonic_ns() - t0)
        st = m.header.stamp.sec * 1_000_000_000 + m.header.stamp.nanosec
        if 0 < rt - st < 10_000_000_000:
            wire.append(rt - st)

    n.create_subscription(Odometry, "odom", cb, qos)
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        rclpy.spin_once(n, timeout_sec=0.05)
    out = {k: {"count": len(v), "p50_ns": pct(v, 0.5), "p99_ns": pct(v, 0.99),
               "max_ns": max(v) if v else 0}
           for k, v in (("arrival_to_publish", arr), ("stamp_to_arrival", wire))}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
