/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spinal_wd_compat.h - every kernel API difference spinal_wd meets, in one
 * place, so that spinal_wd.c has no #if at its call sites.
 *
 * Each wrapper keys on a SPINAL_HAVE_* feature probe that Kbuild runs on the
 * target kernel's headers, not on LINUX_VERSION_CODE: distribution kernels
 * backport APIs.
 *
 * Built by `make check-kmod` against the kernels pinned in
 * rtcore/kmod/kernels.conf (6.1, 6.1-rt, 6.12, 6.12-rt); booted by
 * `make check-vm` on 6.1-rt and 6.12-rt.
 *
 * Differences that need no wrapper:
 *   no_llseek   #defined to NULL from 5.19 and removed in 6.12.  The fops
 *               leave .llseek unset instead: stream_open() clears FMODE_LSEEK,
 *               so lseek() fails with ESPIPE on every kernel either way.
 */
#ifndef SPINAL_WD_COMPAT_H
#define SPINAL_WD_COMPAT_H

#include <linux/hrtimer.h>
#include <linux/mm.h>

/*
 * Clear @flags in @vma->vm_flags (mmap handler, mmap lock held for write).
 * 6.3 made vm_flags read-only behind vm_flags_{set,clear,mod}().
 */
static inline void spinal_vm_flags_clear(struct vm_area_struct *vma,
					 vm_flags_t flags)
{
#ifdef SPINAL_HAVE_VM_FLAGS_CLEAR
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/*
 * Initialise @timer with its callback.  6.13 added hrtimer_setup() and
 * 6.15 removed hrtimer_init() (not built here: no such headers are pinned).
 */
static inline void
spinal_hrtimer_setup(struct hrtimer *timer,
		     enum hrtimer_restart (*fn)(struct hrtimer *),
		     clockid_t clock, enum hrtimer_mode mode)
{
#ifdef SPINAL_HAVE_HRTIMER_SETUP
	hrtimer_setup(timer, fn, clock, mode);
#else
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
#endif
}

#endif /* SPINAL_WD_COMPAT_H */
