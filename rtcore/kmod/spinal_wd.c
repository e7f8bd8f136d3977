// SPDX-License-Identifier: GPL-2.0
/*
 * spinal_wd - kernel watchdog on the heartbeat of spinal-core.
 *
 * A misc device, /dev/spinal_wd.  The owner (spinal-core) arms it with
 * SPINAL_WD_IOC_ARM and maps the heartbeat page, into which it stores a new
 * value every tick.  An hrtimer in hard-interrupt mode (it fires on
 * PREEMPT_RT too) samples the page; when the heartbeat stops advancing for
 * longer than the timeout, or the owner's file is released while armed, the
 * watchdog trips: the status page (mapped read-only by supervisors) records
 * the time, the gap and the reason, and poll() waiters are woken.
 *
 * Contexts and locks:
 *   wd.ctl   mutex, process context: ARM, DISARM, release of the owner, mmap
 *            of the heartbeat page.  Never taken by the timer.
 *   wd.lock  raw spinlock (a real spinlock on PREEMPT_RT): every write to the
 *            status page, from the timer (hard irq) and from process context.
 *   The wait queue may not be touched from hard irq on PREEMPT_RT, so the
 *   timer defers the wake-up to an irq_work.
 *
 * The interface is include/spinal/wd_uapi.h.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/ktime.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include <spinal/wd_uapi.h>

#include "spinal_wd_compat.h"

struct spinal_wd {
	struct mutex ctl;		/* ARM, DISARM, owner release, mmap */
	raw_spinlock_t lock;		/* status page writes */
	struct hrtimer timer;
	struct irq_work wake_work;
	wait_queue_head_t wq;
	struct spinal_wd_beat *beat;	/* page, written by the owner */
	struct spinal_wd_status *st;	/* page, written here only */
	struct file *owner;		/* protected by ctl */
	ktime_t check;			/* sampling interval while armed */
};

/* Per open file. */
struct spinal_wd_file {
	u64 seen_trips;			/* trips already reported by read() */
};

static struct spinal_wd wd;

/* Status page writers hold wd.lock; readers follow the uapi seq protocol. */
static void st_write_begin(struct spinal_wd_status *st)
{
	WRITE_ONCE(st->seq, st->seq + 1);
	smp_wmb();	/* W1: pairs with the reader's fence before re-reading seq */
}

static void st_write_end(struct spinal_wd_status *st)
{
	smp_wmb();	/* W2: pairs with the reader's acquire load of seq */
	WRITE_ONCE(st->seq, st->seq + 1);
}

/* Called with wd.lock held, inside st_write_begin/end. */
static void wd_trip_locked(struct spinal_wd_status *st, u32 reason, u64 now,
			   u64 gap)
{
	st->state = SPINAL_WD_TRIPPED;
	st->tripped = 1;
	st->last_reason = reason;
	st->last_trip_ns = now;
	st->last_trip_gap_ns = gap;
	if (gap > st->max_gap_ns)
		st->max_gap_ns = gap;
	WRITE_ONCE(st->trips, st->trips + 1);
}

static void wd_wake_fn(struct irq_work *work)
{
	wake_up_interruptible_all(&wd.wq);
}

/* Hard irq context, also on PREEMPT_RT (HRTIMER_MODE_REL_HARD). */
static enum hrtimer_restart wd_timer_fn(struct hrtimer *timer)
{
	struct spinal_wd_status *st = wd.st;
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	u64 beat = READ_ONCE(wd.beat->beat);
	u64 now = ktime_get_ns();
	unsigned long flags;
	u32 reason = SPINAL_WD_REASON_NONE;
	u64 gap;

	raw_spin_lock_irqsave(&wd.lock, flags);
	if (st->state != SPINAL_WD_ARMED)
		goto out_unlock;

	st_write_begin(st);
	st->checks++;
	gap = now - st->last_beat_ns;
	if (beat != st->last_beat) {
		st->last_beat = beat;
		st->last_beat_ns = now;
		st->consec_misses = 0;
	} else {
		st->misses++;
		st->consec_misses++;
		if (gap > st->timeout_ns)
			reason = SPINAL_WD_REASON_TIMEOUT;
		else if (st->miss_budget && st->consec_misses > st->miss_budget)
			reason = SPINAL_WD_REASON_MISSES;
	}
	if (gap > st->max_gap_ns)
		st->max_gap_ns = gap;
	if (reason) {
		wd_trip_locked(st, reason, now, gap);
	} else {
		hrtimer_forward_now(timer, wd.check);
		ret = HRTIMER_RESTART;
	}
	st_write_end(st);

out_unlock:
	raw_spin_unlock_irqrestore(&wd.lock, flags);
	if (reason)
		irq_work_queue(&wd.wake_work);
	return ret;
}

static void wd_snapshot(struct spinal_wd_status *out)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&wd.lock, flags);
	*out = *wd.st;
	raw_spin_unlock_irqrestore(&wd.lock, flags);
}

/* Called with wd.ctl held; @file is the owner.  Stops the timer. */
static void wd_disown(struct file *file, bool trip)
{
	struct spinal_wd_status *st = wd.st;
	unsigned long flags;
	bool tripped = false;
	u64 now;

	raw_spin_lock_irqsave(&wd.lock, flags);
	now = ktime_get_ns();
	st_write_begin(st);
	if (st->state == SPINAL_WD_ARMED) {
		if (trip) {
			wd_trip_locked(st, SPINAL_WD_REASON_RELEASE, now,
				       now - st->last_beat_ns);
			tripped = true;
		} else {
			st->state = SPINAL_WD_IDLE;
		}
	}
	st->owner_pid = 0;
	st_write_end(st);
	raw_spin_unlock_irqrestore(&wd.lock, flags);

	/* The timer sees state != ARMED and does not restart. */
	hrtimer_cancel(&wd.timer);
	wd.owner = NULL;
	if (tripped)
		wake_up_interruptible_all(&wd.wq);
}

static int wd_open(struct inode *inode, struct file *file)
{
	struct spinal_wd_file *pf;

	pf = kzalloc(sizeof(*pf), GFP_KERNEL);
	if (!pf)
		return -ENOMEM;
	pf->seen_trips = READ_ONCE(wd.st->trips);
	file->private_data = pf;
	return stream_open(inode, file);
}

static int wd_release(struct inode *inode, struct file *file)
{
	mutex_lock(&wd.ctl);
	if (wd.owner == file) {
		pr_info("owner released (pid %d)\n", wd.st->owner_pid);
		wd_disown(file, true);
	}
	mutex_unlock(&wd.ctl);
	kfree(file->private_data);
	return 0;
}

/* Copy the leading len field of a user struct and check it. */
static int wd_get_len(const void __user *arg, u32 min, u32 *len)
{
	if (get_user(*len, (const u32 __user *)arg))
		return -EFAULT;
	if (*len < min || *len > PAGE_SIZE)
		return -EINVAL;
	return 0;
}

static long wd_ioc_arm(struct file *file, const void __user *arg)
{
	struct spinal_wd_status *st = wd.st;
	struct spinal_wd_arm a;
	unsigned long flags;
	u64 check;
	u32 len;
	int ret;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	ret = wd_get_len(arg, sizeof(a), &len);
	if (ret)
		return ret;
	ret = copy_struct_from_user(&a, sizeof(a), arg, len);
	if (ret)
		return ret;
	if (a.flags || a.reserved0 || memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	if (a.timeout_ns < SPINAL_WD_MIN_TIMEOUT_NS ||
	    a.timeout_ns > SPINAL_WD_MAX_TIMEOUT_NS ||
	    !a.period_ns || a.period_ns > a.timeout_ns)
		return -EINVAL;
	check = max_t(u64, a.period_ns, SPINAL_WD_MIN_CHECK_NS);

	mutex_lock(&wd.ctl);
	if (wd.owner && wd.owner != file) {
		mutex_unlock(&wd.ctl);
		return -EBUSY;
	}
	hrtimer_cancel(&wd.timer);
	wd.owner = file;
	wd.check = ns_to_ktime(check);

	raw_spin_lock_irqsave(&wd.lock, flags);
	st_write_begin(st);
	st->state = SPINAL_WD_ARMED;
	st->tripped = 0;
	st->owner_pid = task_tgid_vnr(current);
	st->period_ns = a.period_ns;
	st->timeout_ns = a.timeout_ns;
	st->miss_budget = a.miss_budget;
	st->check_ns = check;
	st->consec_misses = 0;
	st->last_beat = READ_ONCE(wd.beat->beat);
	st->last_beat_ns = ktime_get_ns();
	st->arms++;
	st_write_end(st);
	raw_spin_unlock_irqrestore(&wd.lock, flags);

	hrtimer_start(&wd.timer, wd.check, HRTIMER_MODE_REL_HARD);
	mutex_unlock(&wd.ctl);
	pr_info("armed by pid %d: period %llu ns, timeout %llu ns, miss budget %u\n",
		st->owner_pid, a.period_ns, a.timeout_ns, a.miss_budget);
	return 0;
}

static long wd_ioc_disarm(struct file *file)
{
	long ret = 0;

	mutex_lock(&wd.ctl);
	if (wd.owner == file)
		wd_disown(file, false);
	else
		ret = -EPERM;
	mutex_unlock(&wd.ctl);
	return ret;
}

static long wd_ioc_status(struct file *file, void __user *arg)
{
	struct spinal_wd_status s;
	u32 len;
	int ret;

	ret = wd_get_len(arg, sizeof(s), &len);
	if (ret)
		return ret;
	wd_snapshot(&s);
	if (copy_to_user(arg, &s, sizeof(s)))
		return -EFAULT;
	if (len > sizeof(s) && clear_user(arg + sizeof(s), len - sizeof(s)))
		return -EFAULT;
	return 0;
}

static long wd_ioc_version(void __user *arg)
{
	struct spinal_wd_version v = {
		.len = sizeof(v),
		.abi_major = SPINAL_WD_ABI_MAJOR,
		.abi_minor = SPINAL_WD_ABI_MINOR,
		.page_size = PAGE_SIZE,
	};
	u32 len;
	int ret;

	ret = wd_get_len(arg, sizeof(v), &len);
	if (ret)
		return ret;
	if (copy_to_user(arg, &v, sizeof(v)))
		return -EFAULT;
	return 0;
}

static long wd_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case SPINAL_WD_IOC_VERSION:
		return wd_ioc_version(uarg);
	case SPINAL_WD_IOC_ARM:
		return wd_ioc_arm(file, uarg);
	case SPINAL_WD_IOC_DISARM:
		return wd_ioc_disarm(file);
	case SPINAL_WD_IOC_STATUS:
		return wd_ioc_status(file, uarg);
	default:
		return -ENOTTY;
	}
}

static __poll_t wd_poll(struct file *file, poll_table *wait)
{
	struct spinal_wd_file *pf = file->private_data;

	poll_wait(file, &wd.wq, wait);
	if (READ_ONCE(wd.st->trips) != READ_ONCE(pf->seen_trips))
		return EPOLLIN | EPOLLRDNORM | EPOLLPRI;
	return 0;
}

/* One struct spinal_wd_status per unseen trip batch; blocks unless O_NONBLOCK. */
static ssize_t wd_read(struct file *file, char __user *buf, size_t count,
		       loff_t *ppos)
{
	struct spinal_wd_file *pf = file->private_data;
	struct spinal_wd_status s;
	int ret;

	if (count < sizeof(s))
		return -EINVAL;
	while (READ_ONCE(wd.st->trips) == READ_ONCE(pf->seen_trips)) {
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(wd.wq, READ_ONCE(wd.st->trips) !=
					       READ_ONCE(pf->seen_trips));
		if (ret)
			return ret;
	}
	wd_snapshot(&s);
	WRITE_ONCE(pf->seen_trips, s.trips);
	if (copy_to_user(buf, &s, sizeof(s)))
		return -EFAULT;
	return sizeof(s);
}

static int wd_mmap(struct file *file, struct vm_area_struct *vma)
{
	void *page;

	if (vma->vm_end - vma->vm_start != PAGE_SIZE ||
	    !(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	switch (vma->vm_pgoff) {
	case SPINAL_WD_PGOFF_BEAT:
		mutex_lock(&wd.ctl);
		if (wd.owner != file) {
			mutex_unlock(&wd.ctl);
			return -EACCES;
		}
		mutex_unlock(&wd.ctl);
		page = wd.beat;
		break;
	case SPINAL_WD_PGOFF_STATUS:
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		/* no mprotect(PROT_WRITE) later */
		spinal_vm_flags_clear(vma, VM_MAYWRITE);
		page = wd.st;
		break;
	default:
		return -EINVAL;
	}
	return remap_pfn_range(vma, vma->vm_start,
			       page_to_pfn(virt_to_page(page)), PAGE_SIZE,
			       vma->vm_page_prot);
}

static const struct file_operations wd_fops = {
	.owner = THIS_MODULE,
	.open = wd_open,
	.release = wd_release,
	.read = wd_read,
	.poll = wd_poll,
	.mmap = wd_mmap,
	.unlocked_ioctl = wd_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	/* no .llseek: stream_open() makes lseek() fail (spinal_wd_compat.h) */
};

/*
 * sysfs: /sys/class/misc/spinal_wd/stats/<name>, one value per file.
 * @_val is an expression of the snapshot s.
 */
#define WD_STAT_ATTR(_name, _fmt, _val)					\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct spinal_wd_status s;					\
									\
	wd_snapshot(&s);						\
	return sysfs_emit(buf, _fmt "\n", _val);			\
}									\
static DEVICE_ATTR_RO(_name)

WD_STAT_ATTR(arms, "%llu", s.arms);
WD_STAT_ATTR(trips, "%llu", s.trips);
WD_STAT_ATTR(misses, "%llu", s.misses);
WD_STAT_ATTR(checks, "%llu", s.checks);
WD_STAT_ATTR(max_gap_ns, "%llu", s.max_gap_ns);
WD_STAT_ATTR(last_trip_ns, "%llu", s.last_trip_ns);
WD_STAT_ATTR(last_trip_gap_ns, "%llu", s.last_trip_gap_ns);
WD_STAT_ATTR(last_reason, "%u", s.last_reason);
WD_STAT_ATTR(state, "%u", s.state);
WD_STAT_ATTR(owner_pid, "%d", s.owner_pid);
WD_STAT_ATTR(timeout_ns, "%llu", s.timeout_ns);
WD_STAT_ATTR(check_ns, "%llu", s.check_ns);

static struct attribute *wd_stats_attrs[] = {
	&dev_attr_arms.attr,
	&dev_attr_trips.attr,
	&dev_attr_misses.attr,
	&dev_attr_checks.attr,
	&dev_attr_max_gap_ns.attr,
	&dev_attr_last_trip_ns.attr,
	&dev_attr_last_trip_gap_ns.attr,
	&dev_attr_last_reason.attr,
	&dev_attr_state.attr,
	&dev_attr_owner_pid.attr,
	&dev_attr_timeout_ns.attr,
	&dev_attr_check_ns.attr,
	NULL,
};

static const struct attribute_group wd_stats_group = {
	.name = "stats",
	.attrs = wd_stats_attrs,
};

static const struct attribute_group *wd_groups[] = {
	&wd_stats_group,
	NULL,
};

static struct miscdevice wd_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = SPINAL_WD_NAME,
	.fops = &wd_fops,
	.groups = wd_groups,
	.mode = 0644,	/* root owns and arms; anyone may supervise */
};

static int __init spinal_wd_init(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct spinal_wd_status) > PAGE_SIZE);
	BUILD_BUG_ON(sizeof(struct spinal_wd_beat) > PAGE_SIZE);

	mutex_init(&wd.ctl);
	raw_spin_lock_init(&wd.lock);
	init_waitqueue_head(&wd.wq);
	init_irq_work(&wd.wake_work, wd_wake_fn);
	spinal_hrtimer_setup(&wd.timer, wd_timer_fn, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_HARD);

	wd.beat = (void *)get_zeroed_page(GFP_KERNEL);
	if (!wd.beat)
		return -ENOMEM;
	wd.st = (void *)get_zeroed_page(GFP_KERNEL);
	if (!wd.st) {
		ret = -ENOMEM;
		goto err_free_beat;
	}
	wd.st->len = sizeof(*wd.st);
	wd.st->magic = SPINAL_WD_STATUS_MAGIC;
	wd.st->abi_major = SPINAL_WD_ABI_MAJOR;
	wd.st->abi_minor = SPINAL_WD_ABI_MINOR;

	ret = misc_register(&wd_misc);
	if (ret)
		goto err_free_st;
	pr_info("loaded, abi %d.%d\n", SPINAL_WD_ABI_MAJOR, SPINAL_WD_ABI_MINOR);
	return 0;

err_free_st:
	free_page((unsigned long)wd.st);
err_free_beat:
	free_page((unsigned long)wd.beat);
	return ret;
}

/*
 * No file can be open here (fops.owner pins the module), but stop the timer
 * and the deferred wake-up unconditionally so that unload is clean in any
 * state.
 */
static void __exit spinal_wd_exit(void)
{
	misc_deregister(&wd_misc);
	hrtimer_cancel(&wd.timer);
	irq_work_sync(&wd.wake_work);
	pr_info("unloaded: %llu arms, %llu trips, max gap %llu ns\n",
		wd.st->arms, wd.st->trips, wd.st->max_gap_ns);
	free_page((unsigned long)wd.st);
	free_page((unsigned long)wd.beat);
}

module_init(spinal_wd_init);
module_exit(spinal_wd_exit);

MODULE_DESCRIPTION("spinal heartbeat watchdog");
MODULE_AUTHOR("spinal developers");
MODULE_LICENSE("GPL");
