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
	struct spinal_handoff ho;
	size_t cfg_len = 0;
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
	cfg = spinal_handoff_take(&ho, SPINAL_REGION_CFG, &cfg_len);
	a->cfg_hdr = cfg; /* unmapped by attach_close() on failure */
	a->cfg_len = cfg_len;
	spinal_handoff_detach(&ho);
	if (!a->stats_hdr || !a->telem_hdr || !a->cons_hdr) {
		snprintf(err, errlen, "core at %s did not pass stats, telemetry and consumer regions (a region header was damaged?)",
			 socket_path);
		rc = -EBADMSG;
		goto fail;
	}
	rc = attach_finish(a, socket_path, err, errlen);
	if (rc)
		goto fail;
	attach_cfg(a, cfg, cfg_len);
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
