#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A plain rclpy robot (ROS 2 Kilted wheels, Fast DDS) for tests/ros2/run.sh.

It knows nothing of spinal: it publishes nav_msgs/Odometry on /odom,
integrates the geometry_msgs/Twist it receives on /cmd_vel like a
diff_drive_controller with cmd_vel_timeout (a command older than the
timeout is replaced by zero), sends a geometry_msgs/PoseStamped on
/goal_pose and checks what a robot team would check.  Scenarios:

  goal   the bridge is a ROS node (get_node_names), publishes /cmd_vel as
         geometry_msgs/msg/Twist with the Kilted type hash, and the robot
         reaches the goal
  pause  odometry paused: the command turns exactly zero (not before the
         core's stale bound), and motion resumes when odometry does
  nan    NaN odometry: counted by the bridge, never reaches the core, zero cmd
  kill   SIGKILL of the bridge: no zero command arrives; the base stops by its
         own cmd_vel_timeout
  term   SIGTERM of the bridge: the last command received is exactly zero
  qos    a /cmd_vel subscription asking TRANSIENT_LOCAL: both sides report the
         incompatible QoS
  bench  odometry at --odom-hz for --seconds, nothing asserted (tests/ros2/bench.sh)

Exit status 0 pass, 1 fail (reason on stderr); last stdout line: JSON result.
"""
import argparse
import json
import math
import os
import signal
import sys
import time

import rclpy
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import PoseStamped, Twist
from nav_msgs.msg import Odometry
from rclpy.node import Node
from rclpy.qos import (DurabilityPolicy, HistoryPolicy, QoSProfile,
                       ReliabilityPolicy)
from std_msgs.msg import String

try:
    from rclpy.event_handler import SubscriptionEventCallbacks
except ImportError:  # older rclpy
    from rclpy.qos_event import SubscriptionEventCallbacks


def installed_hash(pkg, typ):
    """REP-2011 hash the installed ROS 2 package ships (share/PKG/msg/TYPE.json)."""
    with open(os.path.join(sys.prefix, "share", pkg, "msg", typ + ".json")) as f:
        return json.load(f)["type_hashes"][0]["hash_string"]


class Robot(Node):
    def __init__(self, a):
        super().__init__("sim_robot")
        self.a = a
        self.x = self.y = self.th = 0.0
        self.v = self.w = 0.0
        self.cmd = (0.0, 0.0)
        self.cmd_t = None  # monotonic time of the last /cmd_vel
        self.cmds = []     # (t, v, w)
        self.status = None
        self.diag = None
        self.publish_odom = True
        self.odom_nan = False
        self.odom_sent = 0
        self.nan_sent = 0
        self.incompatible = 0
        self.t_last = time.monotonic()
        self.odom_pub = self.create_publisher(Odometry, "odom", 10)
        self.goal_pub = self.create_publisher(PoseStamped, "goal_pose", 10)
        if a.scenario == "qos":
            q = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE,
                           durability=DurabilityPolicy.TRANSIENT_LOCAL,
                           history=HistoryPolicy.KEEP_LAST)
            cb = SubscriptionEventCallbacks(incompatible_qos=self.on_incompatible)
            self.create_subscription(Twist, "cmd_vel", self.on_cmd, q, event_callbacks=cb)
        else:
            self.create_subscription(Twist, "cmd_vel", self.on_cmd, 10)
        sq = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                        durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self.create_subscription(String, "spinal/status", self.on_status, sq)
        self.create_subscription(DiagnosticArray, "/diagnostics", self.on_diag, 10)
        self.create_timer(1.0 / a.odom_hz, self.step)

    def on_incompatible(self, ev):
        self.incompatible += 1

    def on_cmd(self, m):
        t = time.monotonic()
        self.cmd = (m.linear.x, m.angular.z)
        self.cmd_t = t
        self.cmds.append((t, m.linear.x, m.angular.z))

    def on_status(self, m):
        self.status = json.loads(m.data)

    def on_diag(self, m):
        self.diag = m

    def step(self):
        t = time.monotonic()
        dt = t - self.t_last
        self.t_last = t
        # diff_drive_controller: a command older than cmd_vel_timeout is zero
        if self.cmd_t is None or t - self.cmd_t > self.a.cmd_timeout:
            self.v = self.w = 0.0
        else:
            self.v, self.w = self.cmd
        self.x += self.v * math.cos(self.th) * dt
        self.y += self.v * math.sin(self.th) * dt
        self.th = math.atan2(math.sin(self.th + self.w * dt), math.cos(self.th + self.w * dt))
        if not self.publish_odom:
            return
        o = Odometry()
        o.header.stamp = self.get_clock().now().to_msg()
        o.header.frame_id = "odom"
        o.child_frame_id = "base_link"
        o.pose.pose.position.x = float("nan") if self.odom_nan else self.x
        o.pose.pose.position.y = self.y
        o.pose.pose.orientation.z = math.sin(self.th / 2)
        o.pose.pose.orientation.w = math.cos(self.th / 2)
        o.twist.twist.linear.x = self.v
        o.twist.twist.angular.z = self.w
        self.odom_pub.publish(o)
        self.odom_sent += 1
        if self.odom_nan:
            self.nan_sent += 1

    def map_pose(self):
        sx, sy = self.a.start
        return self.x + sx, self.y + sy

    def send_goal(self):
        g = PoseStamped()
        g.header.stamp = self.get_clock().now().to_msg()
        g.header.frame_id = self.a.goal_frame
        g.pose.position.x, g.pose.position.y = self.a.goal
        g.pose.orientation.w = 1.0
        self.goal_pub.publish(g)


def fail(msg, r=None):
    print("FAIL: " + msg, file=sys.stderr)
    if r is not None:
        print(json.dumps({"pass": False, "why": msg, "status": r.status}))
    sys.exit(1)


def spin_until(r, pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        rclpy.spin_once(r, timeout_sec=0.01)
        if pred():
            return time.monotonic()
    fail("timed out after %.0f s waiting for %s" % (timeout, what), r)


def spin_for(r, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        rclpy.spin_once(r, timeout_sec=0.01)


def bridge_listed(r):
    return ("spinal_bridge", "/") in r.get_node_names_and_namespaces()


def check_graph(r, res):
    """The bridge as ROS 2 sees it: a node, its endpoints, their type hashes."""
    spin_until(r, lambda: bridge_listed(r), 20, "node spinal_bridge in the ROS graph")
    spin_until(r, lambda: r.count_publishers("cmd_vel") >= 1 and r.count_subscribers("odom") >= 1,
               10, "the bridge's /cmd_vel publisher and /odom subscription")
    # `ros2 node info`: the node's endpoints, from its ros_discovery_info entry
    pubs = dict(r.get_publisher_names_and_types_by_node("spinal_bridge", "/"))
    subs = dict(r.get_subscriber_names_and_types_by_node("spinal_bridge", "/"))
    if pubs.get("/cmd_vel") != ["geometry_msgs/msg/Twist"] or \
            subs.get("/odom") != ["nav_msgs/msg/Odometry"] or \
            subs.get("/goal_pose") != ["geometry_msgs/msg/PoseStamped"] or \
            pubs.get("/diagnostics") != ["diagnostic_msgs/msg/DiagnosticArray"]:
        fail("node spinal_bridge's endpoints as ROS 2 sees them: publishers %r, subscribers %r"
             % (pubs, subs), r)
    # the type hash Fast DDS read from the bridge's USER_DATA
    infos = r.get_publishers_info_by_topic("/cmd_vel")
    if len(infos) != 1:
        fail("expected one /cmd_vel publisher, found %d" % len(infos), r)
    ep = infos[0]
    want = installed_hash("geometry_msgs", "Twist")
    got = str(ep.topic_type_hash)
    res["cmd_vel_type_hash"] = got
    if ep.topic_type != "geometry_msgs/msg/Twist" or got != want:
        fail("rclpy sees %s %r on the bridge's /cmd_vel, the installed Twist has %s"
             % (ep.topic_type, got, want), r)
    odom = r.get_subscriptions_info_by_topic("/odom")
    if len(odom) != 1 or str(odom[0].topic_type_hash) != installed_hash("nav_msgs", "Odometry"):
        fail("the bridge's /odom subscription as rclpy sees it: %r"
             % [(str(i.topic_type_hash), i.topic_type) for i in odom], r)
    res["odom_sub_reliability"] = str(odom[0].qos_profile.reliability)
    res["node_listed"] = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scenario", required=True,
                   choices=["goal", "pause", "nan", "kill", "term", "qos", "bench"])
    p.add_argument("--start", default="0,0", type=lambda s: tuple(map(float, s.split(","))))
    p.add_argument("--goal", default="4,0", type=lambda s: tuple(map(float, s.split(","))))
    p.add_argument("--goal-frame", default="map")
    p.add_argument("--tol", type=float, default=0.3)
    p.add_argument("--odom-hz", type=float, default=50)
    p.add_argument("--cmd-timeout", type=float, default=0.5)
    p.add_argument("--stale-ms", type=float, default=200)
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--bridge-pid", type=int, default=0)
    p.add_argument("--seconds", type=float, default=10)
    a = p.parse_args()
    rclpy.init()
    r = Robot(a)
    res = {"scenario": a.scenario, "pass": True}
    s = a.scenario

    if s == "bench":
        spin_for(r, a.seconds)
        res["odom_sent"] = r.odom_sent
        print(json.dumps(res))
        return

    if s == "qos":
        spin_until(r, lambda: r.incompatible > 0, 20,
                   "rclpy's incompatible-QoS event on a TRANSIENT_LOCAL /cmd_vel subscription")
        spin_until(r, lambda: r.status and r.status["incompatible_qos"] > 0, 10,
                   "the bridge's incompatible_qos count in /spinal/status")
        if r.cmds:
            fail("a subscription with incompatible QoS received commands", r)
        res["rclpy_incompatible_events"] = r.incompatible
        res["bridge_incompatible_qos"] = r.status["incompatible_qos"]
        print(json.dumps(res))
        return

    check_graph(r, res)
    # the status topic confirms the real peers' type hashes (Fast DDS announces them)
    spin_until(r, lambda: r.status and r.status["typehash_ok"] > 0, 15,
               "the bridge's check of the peers' type hashes")
    if r.status["typehash_mismatch"] or r.status["type_mismatch"]:
        fail("the bridge saw type hash/name mismatches: %r" % r.status, r)
    res["typehash_ok"] = r.status["typehash_ok"]

    # a goal in a foreign frame is refused, then the real goal is sent
    g = a.goal_frame
    a.goal_frame = "odom"
    r.send_goal()
    spin_until(r, lambda: r.status and r.status["goals_refused"] >= 1, 10,
               "the refusal of a goal in frame 'odom'")
    a.goal_frame = g
    res["foreign_frame_goal_refused"] = True
    spin_until(r, lambda: r.count_subscribers("goal_pose") >= 1, 10, "the bridge's /goal_pose")
    r.send_goal()
    spin_until(r, lambda: r.status and r.status["goals_accepted"] >= 1, 15,
               "the goal accepted by spinal-agent")
    spin_until(r, lambda: math.hypot(*[p - q for p, q in zip(r.map_pose(), a.start)]) > 0.2,
               20, "the robot to move")
    res["moving"] = True

    if s == "pause":
        spin_until(r, lambda: r.cmd[0] > 0.05, 10, "a forward command")
        t0 = time.monotonic()
        r.publish_odom = False
        t_zero = spin_until(r, lambda: r.cmd == (0.0, 0.0), 10,
                            "a zero command after odometry paused")
        dt_ms = (t_zero - t0) * 1000
        res["pause_to_zero_ms"] = round(dt_ms, 1)
        # causal, not timed: the core cannot stop before its stale bound
        if dt_ms < a.stale_ms - 1000.0 / a.odom_hz:
            fail("zero command %.0f ms after the pause, before the stale bound %.0f ms: not the stale rule"
                 % (dt_ms, a.stale_ms), r)
        spin_for(r, 0.3)
        if any(v != 0.0 or w != 0.0 for t, v, w in r.cmds if t > t_zero + 0.05):
            fail("non-zero command while odometry stayed paused", r)
        r.publish_odom = True
        spin_until(r, lambda: r.cmd[0] > 0.05, 10, "motion after odometry resumed")
        res["resumed"] = True

    if s == "nan":
        spin_until(r, lambda: r.cmd[0] > 0.05, 10, "a forward command")
        before = r.status["odom_rejected"]["nan"]
        r.odom_nan = True
        spin_until(r, lambda: r.cmd == (0.0, 0.0), 10, "a zero command under NaN odometry")
        spin_until(r, lambda: r.status["odom_rejected"]["nan"] > before, 10,
                   "the bridge's count of NaN odometry")
        res["nan_sent"] = r.nan_sent
        res["nan_counted"] = r.status["odom_rejected"]["nan"] - before
        r.odom_nan = False
        spin_until(r, lambda: r.cmd[0] > 0.05, 10, "motion after good odometry")

    if s == "kill":
        spin_until(r, lambda: r.cmd[0] > 0.05, 10, "a forward command")
        os.kill(a.bridge_pid, signal.SIGKILL)
        t_kill = time.monotonic()
        spin_for(r, a.cmd_timeout * 2 + 0.5)
        late = [(t, v, w) for t, v, w in r.cmds if t > t_kill + 0.02]
        if any(v == 0.0 and w == 0.0 for t, v, w in late):
            fail("a zero command arrived after SIGKILL: the bridge cannot have sent it", r)
        if r.v != 0.0 or r.w != 0.0:
            fail("the base still moves %.2f s after the last command (cmd_vel_timeout %.2f)"
                 % (time.monotonic() - r.cmd_t, a.cmd_timeout), r)
        x0 = r.map_pose()
        spin_for(r, 0.3)
        if math.hypot(*[p - q for p, q in zip(r.map_pose(), x0)]) > 1e-9:
            fail("the robot still moves after the base's command timeout", r)
        res["stopped_by_cmd_vel_timeout"] = True
        res["last_cmd_before_kill"] = list(r.cmd)

    if s == "term":
        spin_until(r, lambda: r.cmd[0] > 0.05, 10, "a forward command")
        t_term = time.monotonic()
        os.kill(a.bridge_pid, signal.SIGTERM)
        spin_for(r, 2.0)
        res["after_term"] = [(round(t - t_term, 3), v, w) for t, v, w in r.cmds if t > t_term][-5:]
        if r.cmd != (0.0, 0.0):
            fail("after SIGTERM the last command is %r, not zero" % (r.cmd,), r)
        res["zero_on_exit"] = True

    if s == "goal":
        spin_until(r, lambda: math.hypot(*[p - q for p, q in zip(r.map_pose(), a.goal)]) < a.tol,
                   a.timeout, "the robot to reach the goal %r" % (a.goal,))
        spin_until(r, lambda: r.status and r.status["goal_reached"], 10,
                   "goal_reached in the bridge's status")
        res["goal_reached"] = True
        res["final_pose"] = [round(c, 3) for c in r.map_pose()]
        if r.diag is None or not any(st.name == "spinal: core" for st in r.diag.status):
            fail("no 'spinal: core' status on /diagnostics", r)
        res["diagnostics"] = {st.name: st.message for st in r.diag.status}
    res["status"] = r.status
    print(json.dumps(res))
    r.destroy_node()
    rclpy.shutdown()


if __name__ == "__main__":
    main()
