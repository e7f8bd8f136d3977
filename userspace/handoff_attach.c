// SPDX-License-Identifier: MIT
/* spinal-agent: attach through the core's handoff socket (memfd regions). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <spinal/telemetry.h>

#include "lib/handoff_client.h"
#include "userspace/handoff_attach.h"

int attach_open_handoff(struct attach *a, const char *socket_path, const char *instance,
			char *err, size_t errlen)
{
	uint64_t psz = 0, csz = 0, ssz = 0, asz = 0, stsz = 0;
	struct spinal_handoff ho;
	size_t cfg_len = 0;
	uint32_t elem = 0;
	void *cfg;
	int rc;

	memset(a, 0, sizeof(*a));
	snprintf(a->instance, sizeof(a->instance), "%s", instance);
	rc = spinal_handoff_attach(socket_path, SPINAL_ROLE_AGENT, &ho, err, errlen);
	if (rc)
		return rc;
	a->stats_hdr = spinal_handoff_take(&ho, SPINAL_REGION_STATS, &a->stats_len);
	a->telem_hdr = spinal_handoff_take(&ho, SPINAL_REGION_TELEM, &a->telem_len);
	a->cons_hdr = spinal_handoff_take(&ho, SPINAL_REGION_CONS, &a->cons_len);
	/* the config ring is the agent's config writer's business (not in struct attach) */
	cfg = spinal_handoff_take(&ho, SPINAL_REGION_CFG, &cfg_len);
	if (cfg)
		munmap(cfg, cfg_len);
	spinal_handoff_detach(&ho);
	if (!a->stats_hdr || !a->telem_hdr || !a->cons_hdr) {
		snprintf(err, errlen, "core at %s did not pass stats, telemetry and consumer regions (a region header was damaged?)",
			 socket_path);
		rc = -EBADMSG;
		goto fail;
	}
	a->stats = spinal_region_section(a->stats_hdr, SPINAL_SECT_STATS, &stsz, NULL);
	a->prod = spinal_region_section(a->telem_hdr, SPINAL_SECT_RING_PROD, &psz, NULL);
	a->slots = spinal_region_section(a->telem_hdr, SPINAL_SECT_RING_SLOTS, &ssz, &elem);
	a->cons = spinal_region_section(a->cons_hdr, SPINAL_SECT_RING_CONS, &csz, NULL);
	a->ai = spinal_region_section(a->cons_hdr, SPINAL_SECT_AGENT, &asz, NULL);
	if (!a->stats || stsz < sizeof(struct spinal_stats) || !a->prod ||
	    psz < sizeof(*a->prod) || !a->slots || !a->cons || csz < sizeof(*a->cons) || !a->ai ||
	    asz < sizeof(*a->ai)) {
		snprintf(err, errlen, "regions from %s lack a section this agent needs", socket_path);
		rc = -EBADMSG;
		goto fail;
	}
	a->nslots = a->prod->nslots;
	a->slot_size = a->prod->slot_size;
	a->slots_bytes = ssz;
	if (a->slot_size != sizeof(struct spinal_telem_rec) || elem != a->slot_size) {
		snprintf(err, errlen, "telemetry ring from %s has %u-byte slots, this agent reads %zu-byte records",
			 socket_path, a->slot_size, sizeof(struct spinal_telem_rec));
		rc = -ENOTSUP;
		goto fail;
	}
	rc = spinal_ring_valid(a->nslots, a->slot_size, a->slots_bytes,
			       atomic_load_explicit(&a->prod->pos, memory_order_acquire),
			       atomic_load_explicit(&a->cons->pos, memory_order_relaxed));
	if (rc) {
		snprintf(err, errlen, "telemetry ring from %s is corrupt", socket_path);
		goto fail;
	}
	a->id.pid = a->stats_hdr->creator_pid;
	a->id.start_realtime_ns = a->stats_hdr->start_realtime_ns;
	a->id.start_mono_ns = a->stats_hdr->start_mono_ns;
	a->id.boot_id_hash = a->stats_hdr->boot_id_hash;
	a->id.period_ns = a->stats_hdr->period_ns;
	a->id.abi_major = a->stats_hdr->abi_major;
	a->id.abi_minor = a->stats_hdr->abi_minor;
	a->mapped = 1;
	return 0;
fail:
	attach_close(a);
	return rc;
}

int attach_handoff_replaced(const struct attach *a)
{
	uint32_t st = attach_state(a);

	if (st == SPINAL_STATE_STOPPED || st == SPINAL_STATE_NONE)
		return 1;
	return kill(a->id.pid, 0) < 0 && errno == ESRCH;
}
