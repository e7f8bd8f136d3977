// SPDX-License-Identifier: MIT
/*
 * Attach to a core instance.  Everything in the mapped regions is untrusted:
 * geometry is read once, checked, and kept in our private struct; the ring
 * handle (include/spinal/ring.h) bounds every slot index by our own mask.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <spinal/config.h>
#include <spinal/telemetry.h>

#include "lib/region_map.h"
#include "userspace/attach.h"

static int same_creator(const struct spinal_region_hdr *a, const struct spinal_region_hdr *b)
{
	return a->creator_pid == b->creator_pid &&
	       a->start_realtime_ns == b->start_realtime_ns;
}

static ino_t stats_inode(const char *instance)
{
	char path[128], name[96];
	struct stat st;

	if (spinal_region_path(name, sizeof(name), instance, SPINAL_REGION_STATS))
		return 0;
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

/*
 * The config ring is optional: an agent that cannot write it still drains
 * telemetry.  Geometry is read once and checked like the telemetry ring's.
 */
void attach_cfg(struct attach *a, struct spinal_region_hdr *cfg, size_t len)
{
	uint64_t psz = 0, csz = 0, ssz = 0;
	uint32_t elem = 0, nslots;
	int rc;

	a->cfg_hdr = cfg;
	a->cfg_len = len;
	if (!a->cfg_hdr)
		return;
	if (!same_creator(a->stats_hdr, a->cfg_hdr)) {
		snprintf(a->cfg_err, sizeof(a->cfg_err),
			 "config region of '%s' belongs to another core run", a->instance);
		goto fail;
	}
	a->cfg_prod = spinal_region_section(a->cfg_hdr, SPINAL_SECT_CFG_PROD, &psz, NULL);
	a->cfg_slots = spinal_region_section(a->cfg_hdr, SPINAL_SECT_CFG_SLOTS, &ssz, &elem);
	a->staging = spinal_region_section(a->cfg_hdr, SPINAL_SECT_STAGING, &a->staging_len, NULL);
	a->cfg_cons = (struct spinal_ring_idx *)spinal_region_section(a->stats_hdr,
								       SPINAL_SECT_CFG_CONS, &csz,
								       NULL);
	if (!a->cfg_prod || psz < sizeof(*a->cfg_prod) || !a->cfg_slots || !a->cfg_cons ||
	    csz < sizeof(*a->cfg_cons)) {
		snprintf(a->cfg_err, sizeof(a->cfg_err),
			 "config region of '%s' lacks the ring sections: core and agent from different builds?",
			 a->instance);
		goto fail;
	}
	nslots = a->cfg_prod->nslots;
	a->cfg_slots_bytes = ssz;
	rc = spinal_ring_valid(nslots, a->cfg_prod->slot_size, ssz,
			       atomic_load_explicit(&a->cfg_prod->pos, memory_order_acquire),
			       atomic_load_explicit(&a->cfg_cons->pos, memory_order_acquire));
	if (rc || a->cfg_prod->slot_size != SPINAL_CFG_SLOT_SIZE || a->cfg_cons->nslots != nslots ||
	    (elem && elem != SPINAL_CFG_SLOT_SIZE)) {
		snprintf(a->cfg_err, sizeof(a->cfg_err),
			 "config ring of '%s' has an unexpected geometry (%u x %u B): rebuild the agent or the core",
			 a->instance, nslots, a->cfg_prod->slot_size);
		goto fail;
	}
	a->cfg_nslots = nslots;
	if (!a->staging)
		a->staging_len = 0;
	return;
fail:
	munmap(a->cfg_hdr, a->cfg_len);
	a->cfg_hdr = NULL;
	a->cfg_prod = a->cfg_cons = NULL;
	a->cfg_slots = a->staging = NULL;
}

int attach_finish(struct attach *a, const char *what, char *err, size_t errlen)
{
	uint64_t psz = 0, csz = 0, ssz = 0, asz = 0, stsz = 0;
	uint32_t elem = 0;
	int rc;

	a->stats = spinal_region_section(a->stats_hdr, SPINAL_SECT_STATS, &stsz, NULL);
	a->prod = spinal_region_section(a->telem_hdr, SPINAL_SECT_RING_PROD, &psz, NULL);
	a->slots = spinal_region_section(a->telem_hdr, SPINAL_SECT_RING_SLOTS, &ssz, &elem);
	a->cons = spinal_region_section(a->cons_hdr, SPINAL_SECT_RING_CONS, &csz, NULL);
	a->ai = spinal_region_section(a->cons_hdr, SPINAL_SECT_AGENT, &asz, NULL);
	if (!a->stats || stsz < sizeof(struct spinal_stats) || !a->prod ||
	    psz < sizeof(*a->prod) || !a->slots || !a->cons || csz < sizeof(*a->cons) || !a->ai ||
	    asz < sizeof(*a->ai)) {
		snprintf(err, errlen, "regions of '%s' lack a section this agent needs (stats, ring, agent info): core and agent from different builds?",
			 what);
		rc = -EBADMSG;
		return rc;
	}
	a->nslots = a->prod->nslots;
	a->slot_size = a->prod->slot_size;
	a->slots_bytes = ssz;
	if (a->slot_size != sizeof(struct spinal_telem_rec) || elem != a->slot_size ||
	    a->cons->nslots != a->nslots) {
		snprintf(err, errlen, "telemetry ring of '%s' has %u-byte slots, this agent reads %zu-byte records: rebuild the agent or the core",
			 what, a->slot_size, sizeof(struct spinal_telem_rec));
		rc = -ENOTSUP;
		return rc;
	}
	rc = spinal_ring_valid(a->nslots, a->slot_size, a->slots_bytes,
			       atomic_load_explicit(&a->prod->pos, memory_order_acquire),
			       atomic_load_explicit(&a->cons->pos, memory_order_relaxed));
	if (rc) {
		snprintf(err, errlen, "telemetry ring of '%s' is corrupt (%s)", what,
			 rc == -EINVAL ? "bad geometry" : "impossible positions");
		return rc;
	}
	a->id.pid = a->stats_hdr->creator_pid;
	a->id.start_realtime_ns = a->stats_hdr->start_realtime_ns;
	a->id.start_mono_ns = a->stats_hdr->start_mono_ns;
	a->id.boot_id_hash = a->stats_hdr->boot_id_hash;
	a->id.period_ns = a->stats_hdr->period_ns;
	a->id.abi_major = a->stats_hdr->abi_major;
	a->id.abi_minor = a->stats_hdr->abi_minor;
	return 0;
}

int attach_open(struct attach *a, const char *instance, char *err, size_t errlen)
{
	struct spinal_region_hdr *cfg;
	size_t cfg_len = 0;
	int rc;

	memset(a, 0, sizeof(*a));
	snprintf(a->instance, sizeof(a->instance), "%s", instance);
	a->stats_ino = stats_inode(instance);
	a->stats_hdr = spinal_region_map(instance, SPINAL_REGION_STATS, 0, &a->stats_len, err,
					 errlen);
	if (!a->stats_hdr)
		return -errno;
	if (atomic_load_explicit(&((struct spinal_region_hdr *)a->stats_hdr)->state,
				 memory_order_acquire) == SPINAL_STATE_NONE) {
		snprintf(err, errlen, "core '%s' is still creating its regions", instance);
		rc = -EAGAIN;
		goto fail;
	}
	a->telem_hdr = spinal_region_map(instance, SPINAL_REGION_TELEM, 0, &a->telem_len, err,
					 errlen);
	if (!a->telem_hdr) {
		rc = -errno;
		goto fail;
	}
	a->cons_hdr = spinal_region_map(instance, SPINAL_REGION_CONS, 1, &a->cons_len, err,
					errlen);
	if (!a->cons_hdr) {
		rc = -errno;
		goto fail;
	}
	if (!same_creator(a->stats_hdr, a->telem_hdr) || !same_creator(a->stats_hdr, a->cons_hdr)) {
		snprintf(err, errlen, "regions of '%s' belong to different core runs (core restarting?)",
			 instance);
		rc = -EAGAIN;
		goto fail;
	}
	rc = attach_finish(a, instance, err, errlen);
	if (rc)
		goto fail;
	cfg = spinal_region_map(instance, SPINAL_REGION_CFG, 1, &cfg_len, a->cfg_err,
				sizeof(a->cfg_err));
	attach_cfg(a, cfg, cfg_len);
	a->mapped = 1;
	return 0;
fail:
	attach_close(a);
	return rc;
}

void attach_close(struct attach *a)
{
	if (a->stats_hdr)
		munmap((void *)a->stats_hdr, a->stats_len);
	if (a->telem_hdr)
		munmap((void *)a->telem_hdr, a->telem_len);
	if (a->cons_hdr)
		munmap(a->cons_hdr, a->cons_len);
	if (a->cfg_hdr)
		munmap(a->cfg_hdr, a->cfg_len);
	a->stats_hdr = a->telem_hdr = NULL;
	a->cons_hdr = a->cfg_hdr = NULL;
	a->cfg_prod = a->cfg_cons = NULL;
	a->cfg_slots = a->staging = NULL;
	a->stats = NULL;
	a->ai = NULL;
	a->mapped = 0;
}

int attach_replaced(const struct attach *a)
{
	ino_t now = stats_inode(a->instance);

	return now == 0 || now != a->stats_ino;
}

uint32_t attach_state(const struct attach *a)
{
	if (!a->stats_hdr)
		return SPINAL_STATE_NONE;
	return atomic_load_explicit(&((struct spinal_region_hdr *)a->stats_hdr)->state,
				    memory_order_acquire);
}
