# SPDX-License-Identifier: MIT
"""Robot drivers for spinal-core --io shm, in Python (docs/driver.md).

A thin ctypes binding of libspinal-driver (include/spinal/driver.h): the
same attach, judgement of commands, fault bits and core-restart handling as
the C library, because it *is* the C library.  Find order of the library:
$SPINAL_DRIVER_LIB, then the system's libspinal-driver.so.1.

    from spinal.driver import Driver, FAULT_BUMPER
    with Driver("bot1") as d:
        c = d.command()            # judged: c.stop != 0 -> c.v == c.omega == 0
        d.publish(x, y, theta, v, omega, faults=0)
        d.follow()                 # once per loop: re-attach after a core restart

Errors raise DriverError (OSError) with the library's one-line reason.
"""
import ctypes
import ctypes.util
import errno
import os
from collections import namedtuple

FAULT_ESTOP = 0x1      # hardware e-stop pressed
FAULT_BUMPER = 0x2     # bumper / contact
FAULT_MOTOR = 0x4      # motor controller fault
FAULT_LOC_LOST = 0x8   # localisation lost

_STOP_COUNT = 9


class _Config(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("cmd_stale_ms", ctypes.c_uint32),
                ("instance", ctypes.c_char_p), ("socket_path", ctypes.c_char_p),
                ("wait_ms", ctypes.c_uint32), ("period_us", ctypes.c_uint32),
                ("use_kernel_wd", ctypes.c_uint32), ("reserved", ctypes.c_uint32)]


class _State(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("faults", ctypes.c_uint32),
                ("stamp_ns", ctypes.c_uint64), ("x", ctypes.c_double), ("y", ctypes.c_double),
                ("theta", ctypes.c_double), ("v", ctypes.c_double), ("omega", ctypes.c_double),
                ("source_stamp_ns", ctypes.c_uint64)]


class _Cmd(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("stop", ctypes.c_uint32), ("v", ctypes.c_double),
                ("omega", ctypes.c_double), ("seq", ctypes.c_uint64),
                ("stamp_ns", ctypes.c_uint64), ("state_seq", ctypes.c_uint64),
                ("age_ns", ctypes.c_uint64)]


class _Counters(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("reserved", ctypes.c_uint32),
                ("published", ctypes.c_uint64), ("rejected", ctypes.c_uint64),
                ("commands", ctypes.c_uint64), ("stops", ctypes.c_uint64 * _STOP_COUNT),
                ("reattaches", ctypes.c_uint64), ("core_state_fresh", ctypes.c_uint64),
                ("core_state_repeat", ctypes.c_uint64), ("core_state_torn", ctypes.c_uint64),
                ("core_state_rejected", ctypes.c_uint64), ("core_state_empty", ctypes.c_uint64)]


class _Status(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("state", ctypes.c_uint32),
                ("core_pid", ctypes.c_int32), ("period_ns", ctypes.c_uint32),
                ("ticks", ctypes.c_uint64), ("overruns", ctypes.c_uint64),
                ("missed_periods", ctypes.c_uint64), ("consec_miss_max", ctypes.c_uint64),
                ("heartbeat_ns", ctypes.c_uint64), ("safe_stop", ctypes.c_uint32),
                ("estop", ctypes.c_uint32), ("goal_reached", ctypes.c_uint32),
                ("agent_safe_stop", ctypes.c_uint32), ("agent_core_dead", ctypes.c_uint32),
                ("agent_attached", ctypes.c_uint32),
                ("stage_p50_ns", ctypes.c_uint64 * 8), ("stage_p99_ns", ctypes.c_uint64 * 8),
                ("stage_max_ns", ctypes.c_uint64 * 8), ("aas", ctypes.c_uint64 * 16),
                ("pose_x", ctypes.c_float), ("pose_y", ctypes.c_float),
                ("pose_theta", ctypes.c_float), ("cmd_v", ctypes.c_float),
                ("cmd_omega", ctypes.c_float), ("goal_x", ctypes.c_float),
                ("goal_y", ctypes.c_float), ("reserved", ctypes.c_uint32)]


Command = namedtuple("Command", "v omega stop stop_name seq stamp_ns state_seq age_ns")


class DriverError(OSError):
    """A libspinal-driver call failed; .errno and the library's reason."""


def _load():
    path = os.environ.get("SPINAL_DRIVER_LIB") or ctypes.util.find_library("spinal-driver") \
        or "libspinal-driver.so.1"
    lib = ctypes.CDLL(path, use_errno=True)
    vp, cp, sz = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t
    lib.spinal_driver_config_init.argtypes = [ctypes.POINTER(_Config)]
    lib.spinal_driver_open.restype = vp
    lib.spinal_driver_open.argtypes = [ctypes.POINTER(_Config), cp, sz]
    lib.spinal_driver_close.argtypes = [vp]
    lib.spinal_driver_publish.argtypes = [vp, ctypes.POINTER(_State)]
    lib.spinal_driver_command.argtypes = [vp, ctypes.POINTER(_Cmd)]
    lib.spinal_driver_follow.argtypes = [vp, cp, sz]
    lib.spinal_driver_core_period_ns.restype = ctypes.c_uint32
    lib.spinal_driver_core_period_ns.argtypes = [vp]
    lib.spinal_driver_core_pid.argtypes = [vp]
    lib.spinal_driver_kernel_wd.argtypes = [vp]
    lib.spinal_driver_attach_mode.restype = cp
    lib.spinal_driver_attach_mode.argtypes = [vp]
    lib.spinal_driver_counters.argtypes = [vp, ctypes.POINTER(_Counters)]
    lib.spinal_driver_status.argtypes = [vp, ctypes.POINTER(_Status)]
    lib.spinal_driver_goal.argtypes = [vp, ctypes.c_double, ctypes.c_double, cp, ctypes.c_int,
                                       cp, sz]
    for f in ("stop", "aas_reason", "core_state"):
        fn = getattr(lib, "spinal_driver_%s_name" % f)
        fn.restype = cp
        fn.argtypes = [ctypes.c_uint]
    return lib


_lib = None


def _L():
    global _lib
    if _lib is None:
        _lib = _load()
    return _lib


def stop_name(stop):
    """Name of a stop reason ("go", "stale_cmd", ...)."""
    return _L().spinal_driver_stop_name(stop).decode()


class Driver:
    """The robot's side of one spinal-core instance (one per instance)."""

    def __init__(self, instance="spinal", socket_path=None, cmd_stale_ms=50, wait_ms=0,
                 period_us=0, use_kernel_wd=True):
        lib = _L()
        cfg = _Config()
        lib.spinal_driver_config_init(ctypes.byref(cfg))
        self._keep = [instance.encode(), socket_path.encode() if socket_path else None]
        cfg.instance = self._keep[0]
        cfg.socket_path = self._keep[1]
        cfg.cmd_stale_ms = cmd_stale_ms
        cfg.wait_ms = wait_ms
        cfg.period_us = period_us
        cfg.use_kernel_wd = 1 if use_kernel_wd else 0
        err = ctypes.create_string_buffer(256)
        self._d = lib.spinal_driver_open(ctypes.byref(cfg), err, len(err))
        if not self._d:
            e = ctypes.get_errno() or errno.EIO
            raise DriverError(e, err.value.decode(errors="replace"))
        self._cmd = _Cmd(size=ctypes.sizeof(_Cmd))
        self._st = _State(size=ctypes.sizeof(_State))
        self._err = ctypes.create_string_buffer(256)

    def close(self):
        """Detach; the state's age then stops the robot.  Idempotent."""
        if self._d:
            _L().spinal_driver_close(self._d)
            self._d = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def _h(self):
        if not self._d:
            raise DriverError(errno.EBADF, "driver closed")
        return self._d

    def command(self):
        """The core's latest command, judged: apply (v, omega); both 0 when stop != 0."""
        c = self._cmd
        c.size = ctypes.sizeof(_Cmd)
        _L().spinal_driver_command(self._h(), ctypes.byref(c))
        return Command(c.v, c.omega, c.stop, stop_name(c.stop), c.seq, c.stamp_ns,
                       c.state_seq, c.age_ns)

    def publish(self, x, y, theta, v, omega, faults=0, stamp_ns=0, source_stamp_ns=0):
        """Publish one robot state (map frame, SI units; stamp_ns 0: now)."""
        s = self._st
        s.x, s.y, s.theta, s.v, s.omega = x, y, theta, v, omega
        s.faults, s.stamp_ns, s.source_stamp_ns = faults, stamp_ns, source_stamp_ns
        rc = _L().spinal_driver_publish(self._h(), ctypes.byref(s))
        if rc:
            raise DriverError(-rc, "state refused (NaN/Inf or detached)")

    def follow(self):
        """Re-attach after a core restart: True when it did."""
        rc = _L().spinal_driver_follow(self._h(), self._err, len(self._err))
        if rc < 0:
            raise DriverError(-rc, self._err.value.decode(errors="replace"))
        return rc == 1

    @property
    def core_period_ns(self):
        return _L().spinal_driver_core_period_ns(self._h())

    @property
    def core_pid(self):
        return _L().spinal_driver_core_pid(self._h())

    @property
    def attach_mode(self):
        return _L().spinal_driver_attach_mode(self._h()).decode()

    def counters(self):
        """What the driver and the core counted, as a dict."""
        c = _Counters(size=ctypes.sizeof(_Counters))
        _L().spinal_driver_counters(self._h(), ctypes.byref(c))
        out = {k: getattr(c, k) for k, _ in _Counters._fields_ if k not in ("size", "reserved")}
        out["stops"] = {stop_name(i): c.stops[i] for i in range(_STOP_COUNT)}
        return out

    def status(self):
        """The core's status (observer role) as a dict."""
        lib = _L()
        s = _Status(size=ctypes.sizeof(_Status))
        rc = lib.spinal_driver_status(self._h(), ctypes.byref(s))
        if rc:
            raise DriverError(-rc, "no stats region")
        stages = ("wake", "sfs", "sps", "aas", "vi")
        return {
            "state": lib.spinal_driver_core_state_name(s.state).decode(),
            "core_pid": s.core_pid, "period_ns": s.period_ns, "ticks": s.ticks,
            "overruns": s.overruns, "safe_stop": s.safe_stop, "estop": bool(s.estop),
            "goal_reached": bool(s.goal_reached), "agent_attached": bool(s.agent_attached),
            "agent_safe_stop": bool(s.agent_safe_stop),
            "stage_p99_ns": {n: s.stage_p99_ns[i] for i, n in enumerate(stages)},
            "aas": {lib.spinal_driver_aas_reason_name(i).decode(): s.aas[i]
                    for i in range(16) if lib.spinal_driver_aas_reason_name(i) != b"?"},
            "pose": (s.pose_x, s.pose_y, s.pose_theta), "cmd": (s.cmd_v, s.cmd_omega),
        }

    def goal(self, x, y, agent=None, timeout_ms=3000):
        """Operator role: a goal (map frame) through spinal-agent; the HTTP status."""
        rc = _L().spinal_driver_goal(self._h(), x, y, agent.encode() if agent else None,
                                     timeout_ms, self._err, len(self._err))
        if rc < 0 or rc >= 300:
            raise DriverError(-rc if rc < 0 else errno.EPERM,
                              self._err.value.decode(errors="replace"))
        return rc
