/* SPDX-License-Identifier: MIT */
/*
 * Header-only single-producer/single-consumer ring that works across
 * processes and trust boundaries.
 *
 * Shared state is two cache lines, each written by exactly one side and each
 * placed in a region that only its writer may write:
 *
 *   struct spinal_ring_idx  prod   producer's free-running position
 *   struct spinal_ring_idx  cons   consumer's free-running position
 *   slots[nslots][slot_size]       payload, written by the producer
 *
 * Positions are free-running 32-bit counters; "used" is the unsigned
 * difference prod - cons, which is correct across wrap-around.  A slot is
 * slots[pos & (nslots - 1)], so a lying peer can never make either side touch
 * memory outside the slot array.  Each side keeps a private cached copy of the
 * peer's position (struct spinal_ring is process-local and holds the only
 * pointers) and re-reads the shared one only when the cache says full/empty.
 *
 * Ordering (C11):
 *   R1 producer publishes slot contents      pairs with A2 in the consumer
 *   R2 consumer releases slots after reading pairs with A1 in the producer
 *
 * Untrusted peers: a peer position that is more than nslots away from ours is
 * impossible in a correct peer.  The ring then reports -EBADMSG (consumer) or
 * "full" (producer) and counts it in ->invalid; it never trusts it.
 *
 * Fast path returns 0 or a negative errno and never logs (DPDK style).
 */
#ifndef SPINAL_RING_H
#define SPINAL_RING_H

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct spinal_ring_idx {
	_Atomic uint32_t pos;
	uint32_t nslots;    /* written once at creation, for validation */
	uint32_t slot_size; /* idem */
	uint32_t pad[13];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct spinal_ring_idx) == 64, "one cache line per index");

struct spinal_ring {
	struct spinal_ring_idx *prod; /* shared, written by the producer only */
	struct spinal_ring_idx *cons; /* shared, written by the consumer only */
	unsigned char *slots;
	uint32_t nslots;
	uint32_t mask;
	uint32_t slot_size;
	uint32_t local;   /* our own position (private copy) */
	uint32_t peer;    /* cached copy of the peer's position */
	uint64_t invalid; /* peer positions rejected as impossible */
};

static inline int spinal_ring_is_pow2(uint32_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

/*
 * spinal_ring_valid - can a reader trust this ring's geometry?
 * @nslots, @slot_size: as found in shared memory (read once by the caller);
 * @slots_bytes: bytes of the slot section that are really mapped;
 * @prod_pos, @cons_pos: positions as read once.
 * Returns 0, -EINVAL for bad geometry, -EBADMSG for impossible positions.
 */
static inline int spinal_ring_valid(uint32_t nslots, uint32_t slot_size,
				    uint64_t slots_bytes, uint32_t prod_pos,
				    uint32_t cons_pos)
{
	if (!spinal_ring_is_pow2(nslots) || slot_size == 0 || slot_size % 8 != 0)
		return -EINVAL;
	if ((uint64_t)nslots * slot_size > slots_bytes)
		return -EINVAL;
	if ((uint32_t)(prod_pos - cons_pos) > nslots)
		return -EBADMSG;
	return 0;
}

/*
 * spinal_ring_init_shared - creator side: write geometry and zero positions
 * starting at @start (tests start near UINT32_MAX to exercise wrap-around).
 * Call before any peer can map the ring.
 */
static inline void spinal_ring_init_shared(struct spinal_ring_idx *prod,
					   struct spinal_ring_idx *cons,
					   uint32_t nslots, uint32_t slot_size,
					   uint32_t start)
{
	prod->nslots = cons->nslots = nslots;
	prod->slot_size = cons->slot_size = slot_size;
	atomic_store_explicit(&prod->pos, start, memory_order_relaxed);
	atomic_store_explicit(&cons->pos, start, memory_order_relaxed);
}

/*
 * spinal_ring_attach - fill the private handle @r.  @producer selects which
 * side we are; our position is taken from our own shared index.  Any thread,
 * not RT (once, at setup).  Returns 0 or -EINVAL (geometry), -EBADMSG.
 */
static inline int spinal_ring_attach(struct spinal_ring *r, struct spinal_ring_idx *prod,
				     struct spinal_ring_idx *cons, void *slots,
				     uint32_t nslots, uint32_t slot_size,
				     uint64_t slots_bytes, int producer)
{
	uint32_t p = atomic_load_explicit(&prod->pos, memory_order_acquire);
	uint32_t c = atomic_load_explicit(&cons->pos, memory_order_acquire);
	int err = spinal_ring_valid(nslots, slot_size, slots_bytes, p, c);

	if (err)
		return err;
	r->prod = prod;
	r->cons = cons;
	r->slots = slots;
	r->nslots = nslots;
	r->mask = nslots - 1;
	r->slot_size = slot_size;
	r->local = producer ? p : c;
	r->peer = producer ? c : p;
	r->invalid = 0;
	return 0;
}

static inline void *spinal_ring_slot(const struct spinal_ring *r, uint32_t pos)
{
	return r->slots + (size_t)(pos & r->mask) * r->slot_size;
}

/*
 * Producer: the slot to fill next, or NULL when the ring is full (or the
 * consumer's position is impossible, counted in ->invalid).  RT-safe.
 */
static inline void *spinal_ring_prod_reserve(struct spinal_ring *r)
{
	uint32_t used = r->local - r->peer;

	if (used >= r->nslots) {
		/* A1: pairs with R2 in spinal_ring_cons_release() */
		uint32_t c = atomic_load_explicit(&r->cons->pos, memory_order_acquire);

		used = r->local - c;
		if (used > r->nslots) {
			r->invalid++;
			return NULL;
		}
		r->peer = c;
		if (used == r->nslots)
			return NULL;
	}
	return spinal_ring_slot(r, r->local);
}

/* Producer: publish the slot returned by spinal_ring_prod_reserve().  RT-safe. */
static inline void spinal_ring_prod_commit(struct spinal_ring *r)
{
	r->local++;
	/* R1: pairs with A2 in spinal_ring_cons_avail() */
	atomic_store_explicit(&r->prod->pos, r->local, memory_order_release);
}

/*
 * Consumer: number of slots ready to read (0 when empty), or -EBADMSG when
 * the producer's position is impossible (counted in ->invalid).
 */
static inline int64_t spinal_ring_cons_avail(struct spinal_ring *r)
{
	uint32_t n = r->peer - r->local;

	if (n == 0) {
		/* A2: pairs with R1 in spinal_ring_prod_commit() */
		uint32_t p = atomic_load_explicit(&r->prod->pos, memory_order_acquire);

		n = p - r->local;
		if (n > r->nslots) {
			r->invalid++;
			return -EBADMSG;
		}
		r->peer = p;
	}
	return n;
}

/* Consumer: slot @i (0-based) of those reported by spinal_ring_cons_avail(). */
static inline const void *spinal_ring_cons_peek(const struct spinal_ring *r, uint32_t i)
{
	return spinal_ring_slot(r, r->local + i);
}

/* Consumer: hand @n slots back to the producer after copying them out. */
static inline void spinal_ring_cons_release(struct spinal_ring *r, uint32_t n)
{
	r->local += n;
	/* R2: pairs with A1 in spinal_ring_prod_reserve() */
	atomic_store_explicit(&r->cons->pos, r->local, memory_order_release);
}

/* Slots in use as seen by an observer that reads both indices (inspector). */
static inline uint32_t spinal_ring_fill(const struct spinal_ring_idx *prod,
					const struct spinal_ring_idx *cons)
{
	uint32_t p = atomic_load_explicit(&prod->pos, memory_order_acquire);
	uint32_t c = atomic_load_explicit(&cons->pos, memory_order_acquire);

	return p - c;
}

#endif /* SPINAL_RING_H */
