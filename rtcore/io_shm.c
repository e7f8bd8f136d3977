// SPDX-License-Identifier: MIT
/*
 * The `--io shm` backend: the robot is an external driver process that
 * publishes its state into /spinal.<name>.iostate and consumes commands from
 * /spinal.<name>.io (layout and protocol: include/spinal/io_shm.h, operator
 * view: docs/driver.md).
 *
 * The state region is written by another process and therefore untrusted:
 * every read copies the whole payload out of the seqlock first, then
 * validates the copy; a sample that fails is counted and never used.  When no
 * good sample arrives, read_state() hands the pipeline the last good sample
 * with its old stamp, so its age (read_ns - stamp_ns) grows and AAS stops the
 * robot once it passes --stale-ms.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spinal/clock.h>
#include <spinal/io_shm.h>
#include <spinal/shm.h>

#include "rtcore/io.h"
#include "rtcore/shm.h"

#define IO_SHM_TRIES 4                  /* seqlock attempts per read */
#define IO_SHM_FUTURE_NS 1000000ull     /* stamps up to 1 ms ahead: clamped to now */
#define IO_SHM_POS_MAX 1.0e6f           /* |x|, |y| in m */
#define IO_SHM_VEL_MAX 1.0e3f           /* |v| m/s, |omega| rad/s */

struct io_shm {
	struct io_backend io;
	struct core_region cmd_r, st_r;
	struct spinal_io_cmd_box *cmd;    /* ours */
	struct spinal_io_state_box *stb;  /* the driver's: untrusted */
	struct spinal_state last;         /* last good sample (stamp 0: none yet) */
	uint64_t last_box_seq;
	uint64_t cmd_seq;
};

static inline void bump(_Atomic uint64_t *c, uint64_t by)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + by,
			      memory_order_relaxed);
}

/* Validate a copied-out sample.  Returns 0 and fills @st, or -EINVAL. */
static int state_validate(const struct io_shm *s, const struct spinal_io_state *m,
			  uint64_t now_ns, struct spinal_state *st)
{
	uint64_t stamp = m->stamp_ns;

	if (!isfinite(m->x) || !isfinite(m->y) || !isfinite(m->theta) || !isfinite(m->v) ||
	    !isfinite(m->omega))
		return -EINVAL;
	if (fabsf(m->x) > IO_SHM_POS_MAX || fabsf(m->y) > IO_SHM_POS_MAX ||
	    fabsf(m->theta) > 64.0f || fabsf(m->v) > IO_SHM_VEL_MAX ||
	    fabsf(m->omega) > IO_SHM_VEL_MAX)
		return -EINVAL;
	/* a stamp from the future would look fresh for ever */
	if (stamp == 0 || stamp > now_ns + IO_SHM_FUTURE_NS)
		return -EINVAL;
	if (stamp > now_ns)
		stamp = now_ns;
	/* time never runs backwards for one driver (a restarted one is later) */
	if (stamp < s->last.stamp_ns)
		return -EINVAL;
	st->seq = m->seq;
	st->stamp_ns = stamp;
	st->x = m->x;
	st->y = m->y;
	st->theta = m->theta;
	st->v = m->v;
	st->omega = m->omega;
	st->faults = m->flags & SPINAL_IO_SF_FAULTS;
	return 0;
}

/* RT thread.  Returns 0 (fresh or repeated good sample), -EAGAIN torn,
 * -EINVAL rejected, -ENODATA nothing yet; *st is always filled. */
static int shm_read(struct io_backend *io, uint64_t now_ns, struct spinal_state *st)
{
	struct io_shm *s = (struct io_shm *)io;
	struct spinal_io_cmd_box *c = s->cmd;
	struct spinal_io_state m = { 0 };
	struct spinal_state fresh;
	uint64_t box_seq = 0, retries = 0;
	int rc;

	bump(&c->state_reads, 1);
	rc = spinal_seqbox_read(&s->stb->box, &m, sizeof(m), IO_SHM_TRIES, &box_seq, &retries);
	if (retries)
		bump(&c->state_retries, retries);
	if (rc == -ENODATA) {
		bump(&c->state_empty, 1);
	} else if (rc) {
		bump(&c->state_torn, 1);
	} else if (box_seq == s->last_box_seq && s->last.stamp_ns) {
		bump(&c->state_repeat, 1); /* nothing new: same stamp, age grows */
	} else if (state_validate(s, &m, now_ns, &fresh)) {
		rc = -EINVAL;
		bump(&c->state_rejected, 1);
	} else {
		s->last = fresh;
		s->last_box_seq = box_seq;
		bump(&c->state_fresh, 1);
		atomic_store_explicit(&c->state_last_seq, fresh.seq, memory_order_relaxed);
	}
	*st = s->last;
	st->read_ns = now_ns;
	return rc;
}

static void cmd_publish(struct io_shm *s, uint64_t now_ns, float v, float w, uint32_t flags)
{
	struct spinal_io_cmd m = { 0 };

	if (!isfinite(v) || !isfinite(w))
		v = w = 0.0f; /* AAS already guarantees this; the driver checks again */
	m.stamp_ns = now_ns;
	m.seq = ++s->cmd_seq;
	m.state_seq = s->last.seq;
	m.v = v;
	m.omega = w;
	m.flags = flags;
	spinal_seqbox_write(&s->cmd->box, &m, sizeof(m));
}

/* RT thread.  Returns 0. */
static int shm_write(struct io_backend *io, uint64_t now_ns, const struct spinal_cmd *cmd)
{
	cmd_publish((struct io_shm *)io, now_ns, cmd->v, cmd->omega, 0);
	return 0;
}

/* Main thread, after the RT thread stopped: a last zero command marked STOPPED. */
static void shm_destroy(struct io_backend *io)
{
	struct io_shm *s = (struct io_shm *)io;

	if (!s)
		return;
	if (s->cmd)
		cmd_publish(s, spinal_mono_ns(), 0.0f, 0.0f, SPINAL_IO_CF_STOPPED);
	/* names stay, like the other regions: the next start replaces them */
	core_region_close(&s->st_r, 0);
	core_region_close(&s->cmd_r, 0);
	free(s);
}

struct spinal_region_hdr *io_shm_region(struct io_backend *io)
{
	return io ? ((struct io_shm *)io)->cmd_r.hdr : NULL;
}

struct io_backend *io_shm_create(const char *instance, char *err, size_t errlen)
{
	const struct core_sect_spec cmd_s[] = {
		{ SPINAL_SECT_IO_CMD, sizeof(struct spinal_io_cmd), sizeof(struct spinal_io_cmd_box) },
	};
	const struct core_sect_spec st_s[] = {
		{ SPINAL_SECT_IO_STATE, sizeof(struct spinal_io_state),
		  sizeof(struct spinal_io_state_box) },
	};
	struct io_shm *s;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "cannot allocate the shm I/O backend: out of memory");
		return NULL;
	}
	s->io.name = "shm";
	s->io.read_state = shm_read;
	s->io.write_cmd = shm_write;
	s->io.destroy = shm_destroy;
	/* one object per writer: commands only the core may write ... */
	rc = core_region_create(&s->cmd_r, instance, SPINAL_REGION_IO, cmd_s, 1, 0640, err,
				errlen);
	if (rc)
		goto out_free;
	/* ... state the driver (spinal group) writes and the core validates */
	rc = core_region_create(&s->st_r, instance, SPINAL_REGION_IO_STATE, st_s, 1, 0660, err,
				errlen);
	if (rc)
		goto out_cmd;
	s->cmd = spinal_region_section(s->cmd_r.hdr, SPINAL_SECT_IO_CMD, NULL, NULL);
	s->stb = spinal_region_section(s->st_r.hdr, SPINAL_SECT_IO_STATE, NULL, NULL);
	if (!s->cmd || !s->stb) {
		rc = -EBADMSG;
		snprintf(err, errlen, "shm I/O regions lack their mailbox sections (internal error)");
		goto out_st;
	}
	/* both are complete (zeroed = "never written"): readers may map them now */
	core_region_publish(&s->cmd_r);
	core_region_publish(&s->st_r);
	return &s->io;

out_st:
	core_region_close(&s->st_r, 1);
out_cmd:
	core_region_close(&s->cmd_r, 1);
out_free:
	free(s);
	errno = -rc;
	return NULL;
}
