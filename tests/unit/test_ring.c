// SPDX-License-Identifier: MIT
/* Unit tests for the SPSC ring (include/spinal/ring.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <spinal/ring.h>

#define NSLOTS 8
#define SLOT 16

struct fixture {
	struct spinal_ring_idx prod, cons;
	unsigned char slots[NSLOTS * SLOT];
	struct spinal_ring p, c;
};

static void setup_at(struct fixture *f, uint32_t start)
{
	memset(f, 0, sizeof(*f));
	spinal_ring_init_shared(&f->prod, &f->cons, NSLOTS, SLOT, start);
	assert_int_equal(spinal_ring_attach(&f->p, &f->prod, &f->cons, f->slots, NSLOTS, SLOT,
					    sizeof(f->slots), 1), 0);
	assert_int_equal(spinal_ring_attach(&f->c, &f->prod, &f->cons, f->slots, NSLOTS, SLOT,
					    sizeof(f->slots), 0), 0);
}

static int push(struct fixture *f, uint64_t v)
{
	uint64_t *slot = spinal_ring_prod_reserve(&f->p);

	if (!slot)
		return -1;
	*slot = v;
	spinal_ring_prod_commit(&f->p);
	return 0;
}

static int pop(struct fixture *f, uint64_t *v)
{
	int64_t n = spinal_ring_cons_avail(&f->c);

	if (n <= 0)
		return n < 0 ? (int)n : -1;
	*v = *(const uint64_t *)spinal_ring_cons_peek(&f->c, 0);
	spinal_ring_cons_release(&f->c, 1);
	return 0;
}

static void run_fill_drain(uint32_t start)
{
	struct fixture f;
	uint64_t v, next = 0, expect = 0;
	int round, i;

	setup_at(&f, start);
	/* empty edge */
	assert_int_equal(spinal_ring_cons_avail(&f.c), 0);
	for (round = 0; round < 5; round++) {
		for (i = 0; i < NSLOTS; i++)
			assert_int_equal(push(&f, next++), 0);
		/* full edge: exactly NSLOTS fit */
		assert_int_equal(push(&f, 999), -1);
		assert_int_equal(spinal_ring_fill(&f.prod, &f.cons), NSLOTS);
		for (i = 0; i < NSLOTS; i++) {
			assert_int_equal(pop(&f, &v), 0);
			assert_int_equal(v, expect++);
		}
		assert_int_equal(pop(&f, &v), -1);
		assert_int_equal(spinal_ring_fill(&f.prod, &f.cons), 0);
	}
	assert_int_equal(f.p.invalid, 0);
	assert_int_equal(f.c.invalid, 0);
}

static void test_fill_drain_zero(void **state)
{
	(void)state;
	run_fill_drain(0);
}

static void test_wraps_uint32(void **state)
{
	(void)state;
	/* counters start just below UINT32_MAX and wrap mid-run */
	run_fill_drain(UINT32_MAX - 3);
	run_fill_drain(UINT32_MAX);
}

static void test_interleaved_wrap(void **state)
{
	struct fixture f;
	uint64_t v, expect = 0, next = 0;
	int i;

	(void)state;
	setup_at(&f, UINT32_MAX - 100);
	for (i = 0; i < 1000; i++) {
		assert_int_equal(push(&f, next++), 0);
		if (i % 3 != 2)
			assert_int_equal(push(&f, next++), 0);
		assert_int_equal(pop(&f, &v), 0);
		assert_int_equal(v, expect++);
		while (spinal_ring_fill(&f.prod, &f.cons) > NSLOTS / 2) {
			assert_int_equal(pop(&f, &v), 0);
			assert_int_equal(v, expect++);
		}
	}
	while (pop(&f, &v) == 0)
		assert_int_equal(v, expect++);
	assert_int_equal(expect, next);
}

static void test_valid_rejects(void **state)
{
	(void)state;
	assert_int_equal(spinal_ring_valid(8, 16, 128, 0, 0), 0);
	assert_int_equal(spinal_ring_valid(8, 16, 128, 8, 0), 0);
	assert_int_equal(spinal_ring_valid(8, 16, 128, 9, 0), -EBADMSG);      /* too full */
	assert_int_equal(spinal_ring_valid(8, 16, 128, 0, 1), -EBADMSG);      /* cons ahead */
	assert_int_equal(spinal_ring_valid(8, 16, 128, 3, UINT32_MAX - 2), 0); /* wrapped, 6 used */
	assert_int_equal(spinal_ring_valid(6, 16, 128, 0, 0), -EINVAL);       /* not pow2 */
	assert_int_equal(spinal_ring_valid(0, 16, 128, 0, 0), -EINVAL);
	assert_int_equal(spinal_ring_valid(8, 0, 128, 0, 0), -EINVAL);
	assert_int_equal(spinal_ring_valid(8, 12, 128, 0, 0), -EINVAL);       /* unaligned slot */
	assert_int_equal(spinal_ring_valid(8, 16, 127, 0, 0), -EINVAL);       /* slots not mapped */
}

static void test_attach_rejects_corrupt(void **state)
{
	struct fixture f;
	struct spinal_ring r;

	(void)state;
	setup_at(&f, 0);
	atomic_store(&f.prod.pos, 1000); /* corrupted producer index */
	assert_int_equal(spinal_ring_attach(&r, &f.prod, &f.cons, f.slots, NSLOTS, SLOT,
					    sizeof(f.slots), 0), -EBADMSG);
	assert_int_equal(spinal_ring_attach(&r, &f.prod, &f.cons, f.slots, NSLOTS, SLOT, 64, 0),
			 -EINVAL);
}

static void test_lying_producer(void **state)
{
	struct fixture f;
	uint64_t v;

	(void)state;
	setup_at(&f, 0);
	assert_int_equal(push(&f, 1), 0);
	assert_int_equal(pop(&f, &v), 0);
	/* producer index jumps impossibly far: consumer refuses, counts, stays put */
	atomic_store(&f.prod.pos, 500);
	assert_int_equal(spinal_ring_cons_avail(&f.c), -EBADMSG);
	assert_int_equal(f.c.invalid, 1);
	assert_int_equal(f.c.local, 1);
}

static void test_lying_consumer(void **state)
{
	struct fixture f;
	int i;

	(void)state;
	setup_at(&f, 0);
	for (i = 0; i < NSLOTS; i++)
		assert_int_equal(push(&f, (uint64_t)i), 0);
	/* consumer claims to be ahead of the producer: producer drops, never overwrites */
	atomic_store(&f.cons.pos, 1000);
	assert_null(spinal_ring_prod_reserve(&f.p));
	assert_int_equal(f.p.invalid, 1);
	/* moving backwards past the producer is just as impossible */
	atomic_store(&f.cons.pos, (uint32_t)-100);
	assert_null(spinal_ring_prod_reserve(&f.p));
	assert_int_equal(f.p.invalid, 2);
	/* an honest consumer position restores service */
	atomic_store(&f.cons.pos, 3);
	assert_non_null(spinal_ring_prod_reserve(&f.p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_drain_zero),
		cmocka_unit_test(test_wraps_uint32),
		cmocka_unit_test(test_interleaved_wrap),
		cmocka_unit_test(test_valid_rejects),
		cmocka_unit_test(test_attach_rejects_corrupt),
		cmocka_unit_test(test_lying_producer),
		cmocka_unit_test(test_lying_consumer),
	};
	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
