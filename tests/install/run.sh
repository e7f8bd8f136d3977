#!/bin/bash
# make check-install: `make install DESTDIR=...`, then the installed tree is
# checked and run (tests/install/run.py: each unit's ExecStart as systemd
# would, the operator guide's commands, the robot reaches its goal).
#   - every program, header, the library with soname and pkg-config file, man
#     pages, docs, map and model, units, sysusers/tmpfiles, Python package;
#   - systemd-analyze verify --root on the installed units;
#   - the docs' C driver compiles and links from the installed tree with
#     `pkg-config --cflags --libs spinal-driver`; `import spinal.driver` works
#     from the installed site directory against the installed library.
# Usage: tests/install/run.sh [--build DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=build
[ "${1:-}" = "--build" ] && BUILD=$2
. tests/integration/lib_agent.sh
mk_scratch
D=$T/dest
PREFIX=/usr/local
make --no-print-directory O="$BUILD" DESTDIR="$D" PREFIX=$PREFIX install >"$T/install.log" 2>&1 ||
	{ tail -n 30 "$T/install.log" >&2; fail "make install failed"; }
R=$D$PREFIX
PYV=$(/usr/bin/python3 -c 'import sys; print("python%d.%d" % sys.version_info[:2])')
missing=""
for f in bin/spinal-core bin/spinal-agent bin/spinal-inspect bin/spinal-sim bin/spinal-ros2 \
	bin/spinal-audit bin/spinal-model bin/spinal-replay \
	include/spinal/driver.h include/spinal/io_shm.h include/spinal/stats.h \
	lib/libspinal-driver.so.1.0 lib/libspinal-driver.so.1 lib/libspinal-driver.so \
	lib/pkgconfig/spinal-driver.pc share/man/man1/spinal-core.1 share/man/man1/spinal-ros2.1 \
	share/man/man3/spinal-driver.3 share/doc/spinal/operator-guide.md share/doc/spinal/ros2.md \
	share/doc/spinal/driver.md share/doc/spinal/examples/minimal_driver.c \
	share/spinal/maps/floor.json share/spinal/models/default.nir \
	lib/systemd/system/spinal-core.service lib/systemd/system/spinal-agent.service \
	lib/systemd/system/spinal-sim.service lib/systemd/system/spinal-ros2.service \
	lib/sysusers.d/spinal.conf lib/tmpfiles.d/spinal.conf \
	lib/$PYV/dist-packages/spinal/driver.py; do
	[ -e "$R/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] || fail "not installed:$missing"
note "installed tree: $(find "$D" -type f | wc -l) files under DESTDIR$PREFIX"
sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$R/lib/systemd/system/spinal-agent.service" |
	grep -q "^ExecStart=$PREFIX/bin/spinal-agent .*--graph $PREFIX/share/spinal/maps/floor.json" ||
	fail "agent unit does not load the installed map"
for m in "$R"/share/man/man1/*.1 "$R"/share/man/man3/*.3; do
	[ "$(man -l "$m" 2>/dev/null | grep -c .)" -gt 10 ] || fail "man page $m is empty"
done
note "man pages: $(ls "$R"/share/man/man1 "$R"/share/man/man3 | grep -c '\.[13]$')"

# the units, as systemd reads them from this root (with the host's own units,
# sysinit.target and the rest, as on a real machine)
mkdir -p "$D/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$D/usr/lib/systemd/"
out=$(systemd-analyze verify --root="$D" "$PREFIX/lib/systemd/system/spinal-core.service" \
	"$PREFIX/lib/systemd/system/spinal-agent.service" "$PREFIX/lib/systemd/system/spinal-sim.service" \
	"$PREFIX/lib/systemd/system/spinal-ros2.service" 2>&1 || true)
[ -z "$out" ] || { echo "$out" >&2; fail "systemd-analyze verify"; }
note "systemd-analyze verify --root: 4 units clean"

# the library as a user builds against it
PCF=$(PKG_CONFIG_SYSROOT_DIR="$D" PKG_CONFIG_LIBDIR="$R/lib/pkgconfig" pkg-config --cflags --libs spinal-driver)
cc -std=c99 -Wall -Werror "$R/share/doc/spinal/examples/minimal_driver.c" $PCF -lm -o "$T/minimal_driver" ||
	fail "the installed example does not build with: pkg-config --cflags --libs spinal-driver ($PCF)"
# (to a file first: with pipefail, grep -q closing the pipe early fails ldd)
LD_LIBRARY_PATH="$R/lib" ldd "$T/minimal_driver" >"$T/ldd.txt"
grep -q "$R/lib/libspinal-driver.so.1" "$T/ldd.txt" ||
	fail "minimal_driver is not linked to the installed libspinal-driver.so.1: $(cat "$T/ldd.txt")"
note "pkg-config spinal-driver: $PCF"
SPINAL_DRIVER_LIB="$R/lib/libspinal-driver.so.1" PYTHONPATH="$R/lib/$PYV/dist-packages" \
	/usr/bin/python3 -c 'import spinal.driver as d; print("  python: spinal.driver from", d.__file__.split("/dest")[1], "stop 3 =", d.stop_name(3))' ||
	fail "import spinal.driver from the installed tree"

chmod 755 "$T"
/usr/bin/python3 tests/install/run.py "$D" "$PREFIX" "$T" || fail "running the installed units"
echo "check-install: PASS"
