# Robots are mostly ARM: cross-build everything for aarch64 with Debian's
# cross compiler and arm64 multiarch -dev packages (tools/deps/aarch64.txt),
# then run it under qemu-user (tests/aarch64/run.sh):
#
#   make check-aarch64   build into build/aarch64 (core, agent, bridge, driver
#                        library, unit tests); unit tests under qemu-aarch64;
#                        closed loop: same result as this host, an aarch64 log
#                        replays bit for bit here; core + C driver (.so) live
#                        under qemu, read by this host's spinal-inspect
AARCH64_O      := build/aarch64
AARCH64_CC     ?= aarch64-linux-gnu-gcc
AARCH64_PKGDIR := /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
# HDF5's arm64 -dev package conflicts with the amd64 one (not Multi-Arch:
# same): its headers are unpacked here, the library is the co-installable
# runtime libhdf5-103-1:arm64
AARCH64_SYSROOT := build/aarch64-sysroot
AARCH64_HDF5 := HDF5_CFLAGS="-I$(abspath $(AARCH64_SYSROOT))/usr/include/hdf5/serial" \
	HDF5_LIBS="-L/usr/lib/aarch64-linux-gnu -l:libhdf5_serial.so.103"

.PHONY: aarch64 check-aarch64
CHECKS += check-aarch64

$(AARCH64_SYSROOT)/.hdf5:
	rm -rf $(AARCH64_SYSROOT) && mkdir -p $(AARCH64_SYSROOT)/deb
	cd $(AARCH64_SYSROOT)/deb && apt-get download libhdf5-dev:arm64 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
	dpkg-deb -x $(AARCH64_SYSROOT)/deb/libhdf5-dev_*_arm64.deb $(AARCH64_SYSROOT)
	touch $@

aarch64: $(AARCH64_SYSROOT)/.hdf5
	PKG_CONFIG_LIBDIR=$(AARCH64_PKGDIR) $(MAKE) --no-print-directory O=$(AARCH64_O) SAN= \
		CC=$(AARCH64_CC) AR=aarch64-linux-gnu-ar $(AARCH64_HDF5) all

check-aarch64: aarch64 $(O)/bin/spinal-inspect $(O)/bin/spinal-closedloop $(O)/bin/spinal-replay
	tests/aarch64/run.sh --build $(AARCH64_O) --host $(O)
