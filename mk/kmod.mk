# spinal_wd kernel module (Kbuild at the top level, source in rtcore/kmod/)
# and the PREEMPT_RT virtual-machine test (tests/vm/).
#
#   make kmod [KDIR=...]     build spinal_wd.ko in the source tree through
#                            $(MAKE) -C $(KDIR) M=$(CURDIR) modules
#   make kmod_install        modules_install into /lib/modules/<KDIR's version>
#   make kmod_clean
#   make check-kmod          build (W=1, warnings are errors) against every kernel
#                            pinned in rtcore/kmod/kernels.conf -- 6.1, 6.1-rt,
#                            6.12, 6.12-rt -- out of the source tree in
#                            $(O)/kmod/<release>/, then checkpatch --strict
#   make checkpatch          checkpatch.pl --strict of the module and its uapi
#   make check-vm            boot every pinned RT kernel (6.1-rt and 6.12-rt) in
#                            qemu and run the guest checks on each
#   make check-vm-one        the same on VM_KERNEL (default 6.12-rt) alone: the
#                            share of the VM test that `make test` runs
#
# Headers and images come from tools/kernels (exact pinned Debian versions,
# unpacked into $(KERNEL_CACHE), never installed), so the host's own kernel,
# headers and upgrades change nothing here.  KDIR=... still builds against
# any other tree by hand.  O= is cleared for the kernel's make, where it means
# something else.

KERNEL_CACHE ?= $(abspath $(firstword $(SPINAL_KERNEL_CACHE) build/kernels))
KERNELS   = tools/kernels --cache $(KERNEL_CACHE)
VM_KERNEL ?= 6.12-rt
KMOD_SRCS := $(wildcard rtcore/kmod/*.c rtcore/kmod/*.h)

KMOD_MAKE = $(MAKE) -C $(1) M=$(2) O=

define kmod_need_kdir
	@if [ -z "$(1)" ] || [ ! -f "$(1)/Makefile" ]; then \
		echo "kmod: no kernel headers$(if $(1), at $(1)); pass KDIR=/path/to/headers, or KDIR=\$$(tools/kernels kdir 6.12-rt) for a pinned one" >&2; \
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

# $(call kmod_stage,OUTDIR): out-of-tree staging copy (symlinks) so that
# several kernels are built side by side without objects in the source tree.
# tests/vm/run.sh builds the guest's module through check-kmod-NAME too.
kmod_stage = mkdir -p $(1)/rtcore/kmod && ln -sfn $(CURDIR)/Kbuild $(1)/Kbuild && \
	ln -sfn $(CURDIR)/include $(1)/include && \
	for f in $(addprefix $(CURDIR)/,$(KMOD_SRCS)); do ln -sfn $$f $(1)/rtcore/kmod/; done

# One pinned kernel: headers, W=1 build with warnings as errors, vermagic.
check-kmod-%:
	@set -e; kdir=$$($(KERNELS) kdir $*); rel=$$($(KERNELS) abi $*); \
	out=$(abspath $(O))/kmod/$$rel; rm -rf $$out; $(call kmod_stage,$$out); \
	$(MAKE) --no-print-directory -C $$kdir M=$$out O= W=1 KCFLAGS=-Werror modules; \
	echo "check-kmod: $* vermagic: $$(modinfo -F vermagic $$out/spinal_wd.ko)"

check-kmod: $(addprefix check-kmod-,$(shell $(KERNELS) list))
	@$(MAKE) --no-print-directory checkpatch
	@echo "check-kmod: spinal_wd builds against $(shell $(KERNELS) list | tr '\n' ' ')and is checkpatch --strict clean"

CHECKPATCH ?=
checkpatch:
	@set -e; cp=$${CHECKPATCH:-$$($(KERNELS) checkpatch)}; \
	perl $$cp --strict --no-tree --quiet -f $(KMOD_SRCS) include/spinal/wd_uapi.h; \
	echo "checkpatch: --strict clean: $(KMOD_SRCS) include/spinal/wd_uapi.h"

# VM helper: drives lib/wd.c against the real module inside the guest.
WDTEST := $(O)/tests/vm/spinal-wdtest
$(WDTEST): $(call obj,tests/vm/wdtest.c) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

# VM helper: loads with a known cause for the attribution windows.
VMLOAD := $(O)/tests/vm/spinal-vmload
$(VMLOAD): $(call obj,tests/vm/vmload.c) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

BINS += $(WDTEST) $(VMLOAD)

check-vm: $(BINS)
	tests/vm/run.sh --build $(O) --cache $(KERNEL_CACHE) $(addprefix --kernel ,$(shell $(KERNELS) list --vm))

# the late-tick attribution windows (IRQ, FIFO, SCHED_OTHER load on the RT CPU)
check-vm-trace: $(BINS)
	tests/vm/run.sh --build $(O) --cache $(KERNEL_CACHE) --kernel $(VM_KERNEL) --trace-windows

check-vm-one: $(BINS)
	tests/vm/run.sh --build $(O) --cache $(KERNEL_CACHE) --kernel $(VM_KERNEL)

CHECKS += check-kmod check-vm-one

.PHONY: check-kmod check-vm check-vm-one check-vm-trace checkpatch
