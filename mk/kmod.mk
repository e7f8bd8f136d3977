# spinal_wd kernel module (Kbuild at the top level, source in rtcore/kmod/)
# and the PREEMPT_RT virtual-machine test (tests/vm/).
#
#   make kmod [KDIR=...]     build spinal_wd.ko in the source tree through
#                            $(MAKE) -C $(KDIR) M=$(CURDIR) modules
#   make kmod_install        modules_install into /lib/modules/<KDIR's version>
#   make kmod_clean
#   make check-kmod          build against the installed Debian headers, non-RT
#                            (linux-headers-amd64) and RT (linux-headers-rt-amd64),
#                            out of the source tree in $(O)/kmod/<version>/
#   make check-vm            boot the RT kernel in qemu and run the guest checks
#
# The build host may run any kernel (CI runs a non-Debian one), so KDIR is
# never derived from `uname -r`: it defaults to the newest installed Debian RT
# headers.  O= is cleared for the kernel's make, where it means something else.

KDIR_RT  ?= $(lastword $(sort $(wildcard /usr/src/linux-headers-*-rt-amd64)))
KDIR_STD ?= $(lastword $(sort $(filter-out %-rt-amd64,$(wildcard /usr/src/linux-headers-*-amd64))))
KDIR     ?= $(KDIR_RT)

KMOD_MAKE = $(MAKE) -C $(1) M=$(2) O=

define kmod_need_kdir
	@if [ -z "$(1)" ] || [ ! -f "$(1)/Makefile" ]; then \
		echo "kmod: no kernel headers$(if $(1), at $(1)); install them (tools/install-deps installs linux-headers-amd64 and linux-headers-rt-amd64) or pass KDIR=/path/to/headers" >&2; \
		exit 1; \
	fi
endef

kmod:
	$(call kmod_need_kdir,$(KDIR))
	$(call KMOD_MAKE,$(KDIR),$(CURDIR)) modules

kmod_install: kmod
	$(call KMOD_MAKE,$(KDIR),$(CURDIR)) modules_install

kmod_clean:
	$(call kmod_need_kdir,$(KDIR))
	$(call KMOD_MAKE,$(KDIR),$(CURDIR)) clean

# Out-of-tree staging copy (symlinks) so that several kernels can be built side
# by side without writing objects into the source tree.
# $(call kmod_stage_build,KDIR,OUTDIR)
define kmod_stage_build
	$(call kmod_need_kdir,$(1))
	@mkdir -p $(2)/rtcore/kmod
	@ln -sfn $(CURDIR)/Kbuild $(2)/Kbuild
	@ln -sfn $(CURDIR)/rtcore/kmod/spinal_wd.c $(2)/rtcore/kmod/spinal_wd.c
	@ln -sfn $(CURDIR)/include $(2)/include
	$(call KMOD_MAKE,$(1),$(abspath $(2))) W=1 modules
	@modinfo -F vermagic $(2)/spinal_wd.ko | sed 's/^/check-kmod: $(notdir $(2)) vermagic: /'
endef

check-kmod:
	$(call kmod_stage_build,$(KDIR_STD),$(O)/kmod/$(patsubst linux-headers-%,%,$(notdir $(KDIR_STD))))
	$(call kmod_stage_build,$(KDIR_RT),$(O)/kmod/$(patsubst linux-headers-%,%,$(notdir $(KDIR_RT))))
	@echo "check-kmod: spinal_wd builds against $(notdir $(KDIR_STD)) and $(notdir $(KDIR_RT))"

# Optional: CHECKPATCH=/path/to/checkpatch.pl make checkpatch (not shipped).
checkpatch:
	@test -n "$(CHECKPATCH)" || { echo "checkpatch: pass CHECKPATCH=/path/to/linux/scripts/checkpatch.pl" >&2; exit 1; }
	perl $(CHECKPATCH) --strict --no-tree -f rtcore/kmod/spinal_wd.c
	perl $(CHECKPATCH) --strict --no-tree -f include/spinal/wd_uapi.h

# VM helper: drives lib/wd.c against the real module inside the guest.
WDTEST := $(O)/tests/vm/spinal-wdtest
$(WDTEST): $(call obj,tests/vm/wdtest.c) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

BINS += $(WDTEST)

check-vm: $(BINS)
	tests/vm/run.sh --build $(O) --kdir "$(KDIR_RT)"

CHECKS += check-kmod check-vm

.PHONY: check-kmod check-vm checkpatch
