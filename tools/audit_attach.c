// SPDX-License-Identifier: MIT
/* spinal-audit: read-only attach to a core's STATS region. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/region_map.h"
#include "tools/audit.h"

int audit_attach(const char *name, struct audit_core_map *m, char *err, size_t errlen)
{
	uint64_t size = 0;

	memset(m, 0, sizeof(*m));
	m->base = spinal_region_map(name, SPINAL_REGION_STATS, 0, &m->len, err, errlen);
	if (!m->base)
		return -errno;
	m->hdr = m->base;
	m->stats = spinal_region_section(m->hdr, SPINAL_SECT_STATS, &size, NULL);
	if (!m->stats || size < sizeof(struct spinal_stats)) {
		snprintf(err, errlen, "/dev/shm/spinal.%s.stats has no stats section of %zu bytes "
			 "(core from another build?)", name, sizeof(struct spinal_stats));
		audit_detach(m);
		return -EBADMSG;
	}
	return 0;
}

void audit_detach(struct audit_core_map *m)
{
	if (!m || !m->base)
		return;
	munmap(m->base, m->len);
	memset(m, 0, sizeof(*m));
}

void audit_snap_stages(const struct audit_core_map *m, struct spinal_hist_snap *out)
{
	unsigned int s;

	for (s = 0; s < SPINAL_STAGE_COUNT; s++)
		spinal_hist_snapshot(&m->stats->stage[s], &out[s]);
}
