# make install [PREFIX=/usr/local] [DESTDIR=]: everything a robot needs
# (docs/operator-guide.md "Install"):
#   PREFIX/bin                  the programs (INSTALL_BINS)
#   PREFIX/include/spinal       the public headers (ABI, driver library)
#   PREFIX/lib                  libspinal-driver.so.1 (+ .so), pkgconfig/spinal-driver.pc
#   PREFIX/lib/pythonX.Y/dist-packages/spinal   the Python binding
#   PREFIX/share/man/man1,man3  man pages (man1 from each program's --help, help2man)
#   PREFIX/share/doc/spinal     docs/*.md, README, the driver examples
#   PREFIX/share/spinal         maps/floor.json, models/default.nir
#   PREFIX/lib/systemd/system   spinal-core, -agent, -sim, -ros2 .service
#   PREFIX/lib/sysusers.d, PREFIX/lib/tmpfiles.d   spinal.conf
# Unit files name PREFIX in their paths (written as /usr/local in deploy/).
#
#   make check-install   install into a scratch DESTDIR, check the tree, the
#                        units (systemd-analyze verify --root), the pkg-config
#                        file and the Python package, then run each unit's
#                        ExecStart as the unit would (user, groups, capabilities
#                        under setpriv) and the operator guide's commands: the
#                        simulated robot reaches its goal (tests/install/run.sh)

INSTALL_BINS += spinal-replay
BINDIR      ?= $(PREFIX)/bin
INCLUDEDIR  ?= $(PREFIX)/include
LIBDIR      ?= $(PREFIX)/lib
DATADIR     ?= $(PREFIX)/share/spinal
DOCDIR      ?= $(PREFIX)/share/doc/spinal
MANDIR      ?= $(PREFIX)/share/man
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
PYVER       := $(shell /usr/bin/python3 -c 'import sys; print("python%d.%d" % sys.version_info[:2])' 2>/dev/null || echo python3)
PYDIR       ?= $(PREFIX)/lib/$(PYVER)/dist-packages
SPINAL_VERSION ?= $(SPINAL_DRIVER_VERSION)
SPINAL_DRIVER_VERSION := 1.0

MAN1 = $(patsubst %,$(O)/man/%.1,$(sort $(INSTALL_BINS)))
MAN_DESC_spinal-core    := the real-time policy core of spinal
MAN_DESC_spinal-agent   := the unprivileged half of spinal: config, telemetry log, metrics, control API
MAN_DESC_spinal-inspect := read-only view of a running spinal-core
MAN_DESC_spinal-audit   := latency audit of a spinal-core and its host
MAN_DESC_spinal-sim     := simulated robot, the I/O driver of spinal-core --io shm
MAN_DESC_spinal-ros2    := bridge between spinal-core and a ROS 2 graph, on Cyclone DDS
MAN_DESC_spinal-model   := inspect and run NIR models on spinal's SNN engine
MAN_DESC_spinal-replay  := replay a spinal telemetry log through the pipeline, bit for bit

$(O)/man/%.1: $(O)/bin/%
	@mkdir -p $(dir $@)
	help2man --no-info --no-discard-stderr --version-string="$(SPINAL_VERSION)" \
		--name="$(or $(MAN_DESC_$*),part of spinal)" \
		--output=$@ $< >/dev/null

# subst: the units' /usr/local paths are PREFIX's
UNIT_SUBST = sed -e 's|/usr/local/bin/|$(BINDIR)/|g' -e 's|/usr/local/share/spinal/|$(DATADIR)/|g' \
	-e 's|/usr/local/share/doc/spinal/|$(DOCDIR)/|g'

.PHONY: install-spinal check-install
# INSTALL_BINS grows in fragments read after this one: expand the man pages late
.SECONDEXPANSION:
install: install-spinal
install-spinal: all $$(MAN1)
	install -d $(DESTDIR)$(INCLUDEDIR)/spinal $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(DOCDIR)/examples \
		$(DESTDIR)$(DATADIR)/maps $(DESTDIR)$(DATADIR)/models $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(PYDIR)/spinal
	install -m 0644 include/spinal/*.h $(DESTDIR)$(INCLUDEDIR)/spinal/
	install -m 0755 $(DRV_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libspinal-driver.so.1.0 $(DESTDIR)$(LIBDIR)/$(DRV_SONAME)
	ln -sf $(DRV_SONAME) $(DESTDIR)$(LIBDIR)/libspinal-driver.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@VERSION@|$(SPINAL_DRIVER_VERSION)|' lib/spinal-driver.pc.in \
		>$(DESTDIR)$(LIBDIR)/pkgconfig/spinal-driver.pc
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/*.3 $(DESTDIR)$(MANDIR)/man3/
	install -m 0644 docs/*.md README.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 examples/driver/* $(DESTDIR)$(DOCDIR)/examples/
	install -m 0644 data/maps/floor.json $(DESTDIR)$(DATADIR)/maps/
	install -m 0644 data/models/default.nir $(DESTDIR)$(DATADIR)/models/
	install -m 0644 python/spinal/*.py $(DESTDIR)$(PYDIR)/spinal/
	for u in deploy/systemd/*.service; do \
		$(UNIT_SUBST) $$u >$(DESTDIR)$(UNITDIR)/$$(basename $$u) && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u) || exit 1; done
	install -m 0644 deploy/sysusers.d/spinal.conf $(DESTDIR)$(SYSUSERSDIR)/spinal.conf
	install -m 0644 deploy/tmpfiles.d/spinal.conf $(DESTDIR)$(TMPFILESDIR)/spinal.conf

CHECKS += check-install
check-install: all $$(MAN1)
	tests/install/run.sh --build $(O)
