#!/bin/bash
# tests/vm/run.sh - boot Debian's PREEMPT_RT kernels in qemu and test spinal there.
#
#   tests/vm/run.sh [--build DIR] [--cache DIR] [--kernel NAME]... [--timeout SECONDS]
#                   [--trace-windows]   (also the provoked-cause windows of
#                                        tests/vm/guest/checks.sh)
#
# 1. Kernels: the names given with --kernel (default: every kernel marked
#    "boot" in rtcore/kmod/kernels.conf, i.e. 6.1-rt and 6.12-rt), each pinned
#    to an exact Debian version there.  tools/kernels fetches the image and
#    the headers of exactly that version into the cache (--cache, default
#    build/kernels) and unpacks them there -- never into /boot or /usr/src,
#    so the host's own kernel packages never change what is booted.
# 2. spinal_wd.ko is built against those headers by `make check-kmod-NAME`
#    (the same rule as `make check-kmod`), in DIR/kmod/<release>/.
# 3. An initramfs per kernel: busybox-static, spinal's binaries from DIR/bin
#    (+ the VM helper) with the shared libraries ldd lists, the module and
#    tests/vm/guest/{init,checks.sh}.
# 4. qemu-system-x86_64 -smp 2 -m 512M, TCG (no KVM), serial console, kernel
#    command line "isolcpus=1 nohz_full=1", hard timeout.  The guest prints
#    "SPINAL-VM: PASS <name> ..." / "SPINAL-VM: FAIL <name> ..." lines and
#    "SPINAL-VM: DONE", then powers off.
# 5. Exit 0 only when every guest finished, printed at least one PASS and no
#    FAIL.  The console logs are DIR/vm/<release>/console.log.txt.
#
# Environment: SPINAL_VM_TIMEOUT (seconds per kernel, default 300),
# SPINAL_VM_ACCEL (default tcg; "kvm" to debug faster -- the test itself runs
# without KVM).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=build
cache=""
kernels=()
tmo=${SPINAL_VM_TIMEOUT:-300}
accel=${SPINAL_VM_ACCEL:-tcg}
extra_cmdline=""

while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--cache) cache=$2; shift 2 ;;
	--kernel) kernels+=("$2"); shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--trace-windows) extra_cmdline="$extra_cmdline spinal.trace_windows=1"; shift ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "vm: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done

cd "$top"
case "$build" in /*) ;; *) build=$top/$build ;; esac
[ -n "$cache" ] || cache=${SPINAL_KERNEL_CACHE:-$top/build/kernels}
kernels_cmd=("$top/tools/kernels" --cache "$cache")
[ ${#kernels[@]} -gt 0 ] || mapfile -t kernels < <("${kernels_cmd[@]}" list --vm)

say() { echo "vm: $*"; }
die() { echo "vm: FAIL: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found; run tools/install-deps (package $2)"; }

need qemu-system-x86_64 qemu-system-x86
need cpio cpio
need dpkg-deb dpkg
[ -x /bin/busybox ] || die "/bin/busybox missing; run tools/install-deps (package busybox-static)"
if ldd /bin/busybox >/dev/null 2>&1; then
	die "/bin/busybox is not static; install busybox-static"
fi

# boot_one NAME: everything for one pinned kernel; 0 when its guest passed
boot_one() {
	local name=$1 kver img kmod vm
	kver=$("${kernels_cmd[@]}" abi "$name")
	vm=$build/vm/$kver
	mkdir -p "$vm"
	say "== $name: kernel $kver"

	# --- 1. kernel image and headers (pinned) -------------------------------
	img=$("${kernels_cmd[@]}" image "$name") || return 1
	say "image $img"

	# --- 2. module ----------------------------------------------------------
	make --no-print-directory -C "$top" O="$build" KERNEL_CACHE="$cache" \
		"check-kmod-$name" >"$vm/kmod.log" 2>&1 ||
		{ cat "$vm/kmod.log" >&2; echo "vm: FAIL: spinal_wd.ko does not build against $name" >&2; return 1; }
	kmod=$build/kmod/$kver
	say "module $(modinfo -F vermagic "$kmod/spinal_wd.ko")"

	# --- 3. initramfs -------------------------------------------------------
	root=$vm/initramfs
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,run,etc,root,spinal/bin,spinal/log}
	cp /bin/busybox "$root/bin/busybox"
	bins=""
	for b in "$build"/bin/* "$build/tests/vm/spinal-wdtest" "$build/tests/vm/spinal-vmload"; do
		[ -f "$b" ] && [ -x "$b" ] || continue
		cp "$b" "$root/spinal/bin/"
		bins="$bins ${b##*/}"
		ldd "$b" 2>/dev/null | awk '/=> \//{ print $3 } /^\t\//{ print $1 }' |
			while read -r lib; do
				[ -e "$root$lib" ] || cp -L --parents "$lib" "$root/"
			done
	done
	say "binaries:$bins"
	cp "$kmod/spinal_wd.ko" "$root/spinal/"
	install -m 0755 "$here/guest/init" "$root/init"
	install -m 0755 "$here/guest/checks.sh" "$root/spinal/checks.sh"
	printf 'root:x:0:0:root:/root:/bin/sh\nspinal:x:100:100:spinal:/nonexistent:/bin/false\nspinal-core:x:101:100:spinal-core:/nonexistent:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
	printf 'root:x:0:\nspinal:x:100:\nnogroup:x:65534:\n' >"$root/etc/group"
	printf 'passwd: files\ngroup: files\n' >"$root/etc/nsswitch.conf"
	(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) >"$vm/initramfs.cpio"
	say "initramfs $(du -h "$vm/initramfs.cpio" | cut -f1)"

	# --- 4. boot ------------------------------------------------------------
	log=$vm/console.log
	cmdline="console=ttyS0 isolcpus=1 nohz_full=1 rcu_nocbs=1 panic=-1 quiet loglevel=4 spinal.kernel=$name$extra_cmdline"
	say "booting ($accel, timeout ${tmo}s): $cmdline"
	t0=$(date +%s)
	rc=0
	timeout -k 10 "$tmo" qemu-system-x86_64 -accel "$accel" -cpu max -smp 2 -m 512M \
		-display none -monitor none -serial stdio -serial null \
		-no-reboot -kernel "$img" -initrd "$vm/initramfs.cpio" \
		-append "$cmdline" </dev/null >"$log" 2>&1 || rc=$?
	t1=$(date +%s)
	tr -d '\r' <"$log" >"$log.txt"
	say "qemu exited with $rc after $((t1 - t0)) s; console log $log.txt"

	# --- 5. verdict ---------------------------------------------------------
	grep -a 'SPINAL-VM:' "$log.txt" | sed 's/.*SPINAL-VM: /  /' || true
	npass=$(grep -ac 'SPINAL-VM: PASS ' "$log.txt" || true)
	nfail=$(grep -ac 'SPINAL-VM: FAIL ' "$log.txt" || true)
	done_seen=$(grep -ac 'SPINAL-VM: DONE' "$log.txt" || true)
	say "$name: $npass passed, $nfail failed"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		tail -n 40 "$log.txt" >&2
		echo "vm: FAIL: $name: guest did not finish within ${tmo}s" >&2
		return 1
	fi
	if [ "$done_seen" = 0 ]; then
		tail -n 40 "$log.txt" >&2
		echo "vm: FAIL: $name: guest stopped before the end of its checks" >&2
		return 1
	fi
	[ "$npass" -gt 0 ] || { echo "vm: FAIL: $name: no check passed" >&2; return 1; }
	[ "$nfail" = 0 ] || { echo "vm: FAIL: $name: $nfail guest check(s) failed" >&2; return 1; }
	say "$name: PASS"
}

total_pass=0
total_fail=0
failed=""
for k in "${kernels[@]}"; do
	set +e
	(set -e; boot_one "$k")
	rc=$?
	set -e
	if [ "$rc" = 0 ]; then
		total_pass=$((total_pass + 1))
	else
		total_fail=$((total_fail + 1))
		failed="$failed $k"
	fi
done
echo "vm: kernels: $total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ] || die "kernel(s)$failed"
say "PASS (${kernels[*]})"
