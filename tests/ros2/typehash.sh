#!/bin/sh
# The IDL's REP-2011 type hashes against the installed ROS 2 packages and the
# bridge's constants (tests/ros2/typehash.py).
set -eu
cd "$(dirname "$0")/../.."
PY=$(tools/pyenv ros2)
exec "$PY" tests/ros2/typehash.py tools/ros2/ros2_types.idl tools/ros2/ros2_wire.c
