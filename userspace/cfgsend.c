// SPDX-License-Identifier: MIT
/*
 * Config ring producer (agent).  See cfgsend.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfgsend.h"

struct spinal_cfgsend {
	struct spinal_ring *ring;
	unsigned char *staging;
	size_t staging_len;
	uint64_t seq;
	uint32_t digest; /* of the last message sent */
};

struct spinal_cfgsend *spinal_cfgsend_create(struct spinal_ring *ring, void *staging,
					     size_t staging_len, uint64_t last_seq)
{
	struct spinal_cfgsend *s;

	if (!ring || ring->slot_size != SPINAL_CFG_SLOT_SIZE) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->ring = ring;
	s->staging = staging;
	s->staging_len = staging ? staging_len : 0;
	s->seq = last_seq;
	return s;
}

void spinal_cfgsend_destroy(struct spinal_cfgsend *s)
{
	free(s);
}

int64_t spinal_cfgsend_msg(struct spinal_cfgsend *s, uint32_t type, uint32_t flags,
			   const void *payload, uint32_t len)
{
	struct spinal_cfg_msg m;
	void *slot;

	if (len > SPINAL_CFG_PAYLOAD_MAX || (len && !payload))
		return -EINVAL;
	slot = spinal_ring_prod_reserve(s->ring);
	if (!slot)
		return -EAGAIN;
	memset(&m, 0, sizeof(m));
	m.magic = SPINAL_CFG_MAGIC;
	m.type = type;
	m.seq = ++s->seq;
	m.len = len;
	m.flags = flags;
	if (len)
		memcpy(m.payload, payload, len);
	s->digest = spinal_cfg_digest(&m);
	memcpy(slot, &m, sizeof(m));
	spinal_ring_prod_commit(s->ring);
	return (int64_t)m.seq;
}

uint32_t spinal_cfgsend_last_digest(const struct spinal_cfgsend *s)
{
	return s->digest;
}

void spinal_cfgsend_resync(struct spinal_cfgsend *s, uint64_t base)
{
	s->seq = base;
}

int spinal_cfgsend_idle(const struct spinal_cfgsend *s)
{
	/* A: pairs with the core's release of the consumer index */
	uint32_t c = atomic_load_explicit(&s->ring->cons->pos, memory_order_acquire);

	return c == s->ring->local;
}

int64_t spinal_cfgsend_blob(struct spinal_cfgsend *s, uint32_t type, const void *blob,
			    size_t len, uint64_t blob_id)
{
	struct spinal_cfg_commit c;

	if (len > s->staging_len)
		return -E2BIG;
	if (!spinal_cfgsend_idle(s))
		return -EBUSY;
	memcpy(s->staging, blob, len);
	c.off = 0;
	c.len = len;
	c.checksum = spinal_fnv1a64(blob, len);
	c.blob_id = blob_id;
	return spinal_cfgsend_msg(s, type, 0, &c, sizeof(c));
}

int64_t spinal_cfgsend_goal(struct spinal_cfgsend *s, uint32_t id)
{
	struct spinal_cfg_node_ref r = { id, 0 };

	return spinal_cfgsend_msg(s, SPINAL_CFG_SET_GOAL, 0, &r, sizeof(r));
}

int64_t spinal_cfgsend_estop(struct spinal_cfgsend *s, int on)
{
	return spinal_cfgsend_msg(s, on ? SPINAL_CFG_ESTOP_SET : SPINAL_CFG_ESTOP_CLEAR, 0, NULL, 0);
}
