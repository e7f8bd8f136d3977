// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the ring paths that read a position written by the
 * other (untrusted) side, include/spinal/ring.h.
 *   core as telemetry producer, agent-written consumer index:
 *     spinal_ring_prod_reserve()/commit() with fuzzer-chosen cons->pos
 *   agent as telemetry consumer, core-written producer index (and the core
 *   as config consumer, agent-written producer index):
 *     spinal_ring_cons_avail()/peek()/release() with fuzzer-chosen prod->pos
 * Input: byte 0 picks nslots (2..1024) and the start position; then ops of
 * 5 bytes (op, value).  The slot array is exactly nslots * slot_size bytes,
 * so ASan flags any out-of-bounds slot.  Invariants: a reserved slot lies in
 * the array and is never one the consumer may still read; avail never
 * exceeds nslots; geometry checks reject what attach must reject.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/ring.h>

#define SLOT 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct spinal_ring_idx prod, cons;
	struct spinal_ring pr, cr;
	uint32_t nslots, start, last_cons_seen;
	unsigned char *slots;
	size_t i;

	if (size < 1)
		return 0;
	nslots = 2u << (data[0] % 10);
	start = data[0] & 0x80 ? 0xffffff00u : 0;
	slots = malloc((size_t)nslots * SLOT);
	if (!slots)
		return 0;
	memset(&prod, 0, sizeof(prod));
	memset(&cons, 0, sizeof(cons));
	spinal_ring_init_shared(&prod, &cons, nslots, SLOT, start);
	if (spinal_ring_attach(&pr, &prod, &cons, slots, nslots, SLOT, (uint64_t)nslots * SLOT, 1) ||
	    spinal_ring_attach(&cr, &prod, &cons, slots, nslots, SLOT, (uint64_t)nslots * SLOT, 0))
		abort();
	/* attach must refuse geometry that does not fit the mapping */
	if (!spinal_ring_attach(&cr, &prod, &cons, slots, nslots, SLOT, (uint64_t)nslots * SLOT - 1, 0))
		abort();
	last_cons_seen = start;
	for (i = 1; i + 5 <= size; i += 5) {
		uint32_t v;
		unsigned char *s;
		int64_t avail;

		memcpy(&v, data + i + 1, 4);
		switch (data[i] % 6) {
		case 0: /* hostile consumer index */
			atomic_store(&cons.pos, v);
			break;
		case 1: /* hostile consumer index near the producer */
			atomic_store(&cons.pos, pr.local - (v % (2 * nslots + 2)) + nslots / 2);
			break;
		case 2: /* producer step, as the RT thread does it */
			s = spinal_ring_prod_reserve(&pr);
			if (s) {
				if (s < slots || s + SLOT > slots + (size_t)nslots * SLOT)
					abort();
				/* never hand out a slot the consumer has not released */
				last_cons_seen = pr.peer;
				if ((uint32_t)(pr.local - last_cons_seen) >= nslots)
					abort();
				memset(s, (int)v, SLOT);
				spinal_ring_prod_commit(&pr);
			}
			break;
		case 3: /* hostile producer index (core or agent side) */
			atomic_store(&prod.pos, v);
			break;
		case 4: /* consumer step */
			avail = spinal_ring_cons_avail(&cr);
			if (avail > (int64_t)nslots)
				abort();
			if (avail > 0) {
				uint32_t k, take = (uint32_t)(v % ((uint32_t)avail + 1));
				unsigned char buf[SLOT];

				for (k = 0; k < take; k++)
					memcpy(buf, spinal_ring_cons_peek(&cr, k), SLOT);
				spinal_ring_cons_release(&cr, take);
			}
			break;
		case 5: /* geometry as read from shared memory */
			(void)spinal_ring_valid(v, v >> 8, (uint64_t)nslots * SLOT, v, ~v);
			break;
		}
	}
	free(slots);
	return 0;
}
