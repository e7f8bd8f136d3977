#!/bin/bash
# tests/vm/run.sh - boot Debian's PREEMPT_RT kernel in qemu and test spinal there.
#
#   tests/vm/run.sh [--build DIR] [--kdir DIR] [--timeout SECONDS]
#
# 1. RT headers: /usr/src/linux-headers-*-rt-amd64 (newest) or --kdir; never
#    `uname -r` (the host may run any kernel).
# 2. The matching kernel image package is fetched with `apt-get download`
#    (same version as the headers) into DIR/vm/deb/ and unpacked with
#    `dpkg -x` into DIR/vm/image-<kver>/ -- never installed into /boot.
#    Offline, an already installed /boot/vmlinuz-<kver> is used instead.
# 3. spinal_wd.ko is built against those headers in DIR/vm/kmod-<kver>/.
# 4. An initramfs: busybox-static, spinal's binaries from DIR/bin (+ the VM
#    helper) with the shared libraries ldd lists, the module and
#    tests/vm/guest/{init,checks.sh}.
# 5. qemu-system-x86_64 -smp 2 -m 512M, TCG (no KVM), serial console, kernel
#    command line "isolcpus=1 nohz_full=1", hard timeout.  The guest prints
#    "SPINAL-VM: PASS <name> ..." / "SPINAL-VM: FAIL <name> ..." lines and
#    "SPINAL-VM: DONE", then powers off.
# 6. Exit 0 only when the guest finished, printed at least one PASS and no
#    FAIL.  The full console log is DIR/vm/console.log.
#
# Environment: SPINAL_VM_TIMEOUT (seconds, default 240), SPINAL_VM_ACCEL
# (default tcg; "kvm" to debug faster -- the test itself runs without KVM).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=build
kdir=""
tmo=${SPINAL_VM_TIMEOUT:-240}
accel=${SPINAL_VM_ACCEL:-tcg}

while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--kdir) kdir=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "vm: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done

cd "$top"
case "$build" in /*) ;; *) build=$top/$build ;; esac
vm=$build/vm
mkdir -p "$vm"

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

# --- 1. headers ---------------------------------------------------------
if [ -z "$kdir" ]; then
	kdir=$(ls -d /usr/src/linux-headers-*-rt-amd64 2>/dev/null | sort -V | tail -n 1 || true)
fi
[ -n "$kdir" ] && [ -f "$kdir/Makefile" ] ||
	die "no PREEMPT_RT kernel headers in /usr/src; run tools/install-deps (linux-headers-rt-amd64)"
kver=${kdir##*/linux-headers-}
say "kernel $kver (headers $kdir)"

# --- 2. kernel image ----------------------------------------------------
imgdir=$vm/image-$kver
img=$imgdir/boot/vmlinuz-$kver
if [ ! -f "$img" ]; then
	ver=$(dpkg-query -W -f='${Version}' "linux-headers-$kver" 2>/dev/null || true)
	mkdir -p "$vm/deb"
	rm -f "$vm/deb/linux-image-${kver}_"*.deb
	say "apt-get download linux-image-$kver${ver:+=$ver}"
	dl() { (cd "$vm/deb" && apt-get download -q "linux-image-$kver${ver:+=$ver}" >>"$vm/deb/download.log" 2>&1); }
	: >"$vm/deb/download.log"
	if dl || { [ "$(id -u)" = 0 ] && say "retrying after apt-get update" &&
		apt-get update -q >>"$vm/deb/download.log" 2>&1 && dl; }; then
		deb=$(ls "$vm/deb/linux-image-${kver}_"*.deb | head -n 1)
		rm -rf "$imgdir.tmp"
		dpkg -x "$deb" "$imgdir.tmp"
		[ -f "$imgdir.tmp/boot/vmlinuz-$kver" ] || die "$deb has no boot/vmlinuz-$kver"
		rm -rf "$imgdir"
		mv "$imgdir.tmp" "$imgdir"
	elif [ -f "/boot/vmlinuz-$kver" ]; then
		say "download failed ($(tail -n 1 "$vm/deb/download.log")); using /boot/vmlinuz-$kver"
		img=/boot/vmlinuz-$kver
	else
		cat "$vm/deb/download.log" >&2
		die "cannot download linux-image-$kver; run 'apt-get update' or install it"
	fi
fi
say "image $img"

# --- 3. module ----------------------------------------------------------
kmod=$vm/kmod-$kver
mkdir -p "$kmod/rtcore/kmod"
ln -sfn "$top/Kbuild" "$kmod/Kbuild"
ln -sfn "$top/rtcore/kmod/spinal_wd.c" "$kmod/rtcore/kmod/spinal_wd.c"
ln -sfn "$top/include" "$kmod/include"
make --no-print-directory -C "$kdir" M="$kmod" O= modules >"$vm/kmod.log" 2>&1 ||
	{ cat "$vm/kmod.log" >&2; die "spinal_wd.ko does not build against $kdir"; }
say "module $(modinfo -F vermagic "$kmod/spinal_wd.ko")"

# --- 4. initramfs -------------------------------------------------------
root=$vm/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,run,etc,root,spinal/bin,spinal/log}
cp /bin/busybox "$root/bin/busybox"
bins=""
for b in "$build"/bin/* "$build/tests/vm/spinal-wdtest"; do
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

# --- 5. boot ------------------------------------------------------------
log=$vm/console.log
cmdline="console=ttyS0 isolcpus=1 nohz_full=1 rcu_nocbs=1 panic=-1 quiet loglevel=4"
say "booting ($accel, timeout ${tmo}s): $cmdline"
t0=$(date +%s)
rc=0
timeout -k 10 "$tmo" qemu-system-x86_64 -accel "$accel" -cpu max -smp 2 -m 512M \
	-nographic -no-reboot -kernel "$img" -initrd "$vm/initramfs.cpio" \
	-append "$cmdline" </dev/null >"$log" 2>&1 || rc=$?
t1=$(date +%s)
tr -d '\r' <"$log" >"$log.txt"
say "qemu exited with $rc after $((t1 - t0)) s; console log $log.txt"

# --- 6. verdict ---------------------------------------------------------
grep -a 'SPINAL-VM:' "$log.txt" | sed 's/.*SPINAL-VM: /  /' || true
npass=$(grep -ac 'SPINAL-VM: PASS ' "$log.txt" || true)
nfail=$(grep -ac 'SPINAL-VM: FAIL ' "$log.txt" || true)
done_seen=$(grep -ac 'SPINAL-VM: DONE' "$log.txt" || true)
echo "vm: $npass passed, $nfail failed"
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	tail -n 40 "$log.txt" >&2
	die "guest did not finish within ${tmo}s"
fi
if [ "$done_seen" = 0 ]; then
	tail -n 40 "$log.txt" >&2
	die "guest stopped before the end of its checks"
fi
[ "$npass" -gt 0 ] || die "no check passed"
[ "$nfail" = 0 ] || die "$nfail guest check(s) failed"
say "PASS"
