#!/bin/sh
# make bench-ros2 (tests/ros2/bench.py): spinal-ros2 beside an rclpy echo node.
set -eu
cd "$(dirname "$0")/../.."
BUILD=build
[ "${1:-}" = "--build" ] && BUILD=$2 && shift 2
PY=$(tools/pyenv ros2)
exec "$PY" tests/ros2/bench.py --build "$BUILD" --json "$BUILD/bench-ros2.json" "$@"
