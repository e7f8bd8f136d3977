// SPDX-License-Identifier: MIT
/*
 * Two-process validator for include/spinal/ring.h, after Concurrency Kit's
 * regressions/ck_ring/validate: a producer process and a consumer process
 * share one ring through a MAP_SHARED mapping; every record carries a
 * sequence number and a checksum of its payload.  The consumer checks there
 * is no loss, duplicate, reorder or torn record.  Positions start just below
 * UINT32_MAX so the run crosses the 32-bit wrap.
 *
 * usage: ring-validate [RECORDS [NSLOTS [RECORD_BYTES]]]
 *        defaults 2000000 1024 64; exit 0 on success.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spinal/ring.h>

struct shared {
	struct spinal_ring_idx prod;
	struct spinal_ring_idx cons;
	unsigned char slots[];
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* record: [0] seq, [1] checksum, [2..] payload words derived from seq */
static void fill(uint64_t *w, size_t nw, uint64_t seq)
{
	uint64_t sum = 0;
	size_t i;

	w[0] = seq;
	for (i = 2; i < nw; i++) {
		w[i] = mix(seq * 131 + i);
		sum += w[i] * (i + 1);
	}
	w[1] = sum ^ mix(seq);
}

static int check(const uint64_t *w, size_t nw)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 2; i < nw; i++)
		sum += w[i] * (i + 1);
	return w[1] == (sum ^ mix(w[0]));
}

static long parse(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v < lo || v > hi) {
		fprintf(stderr, "ring-validate: %s must be %ld..%ld\n", what, lo, hi);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	uint64_t records = argc > 1 ? (uint64_t)parse(argv[1], 1, 1L << 40, "RECORDS") : 2000000;
	uint32_t nslots = argc > 2 ? (uint32_t)parse(argv[2], 2, 1 << 20, "NSLOTS") : 1024;
	uint32_t rsize = argc > 3 ? (uint32_t)parse(argv[3], 16, 4096, "RECORD_BYTES") : 64;
	const uint32_t start = UINT32_MAX - 1000;
	size_t len, nw = rsize / 8;
	struct shared *sh;
	uint64_t expect = 0, bad = 0, full_spins = 0;
	int status;
	pid_t pid;

	if (!spinal_ring_is_pow2(nslots) || rsize % 8) {
		fprintf(stderr, "ring-validate: NSLOTS must be a power of two, RECORD_BYTES a multiple of 8\n");
		return 2;
	}
	len = sizeof(*sh) + (size_t)nslots * rsize;
	sh = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("ring-validate: mmap");
		return 1;
	}
	spinal_ring_init_shared(&sh->prod, &sh->cons, nslots, rsize, start);

	pid = fork();
	if (pid < 0) {
		perror("ring-validate: fork");
		return 1;
	}
	if (pid == 0) {
		struct spinal_ring p;
		uint64_t seq;

		if (spinal_ring_attach(&p, &sh->prod, &sh->cons, sh->slots, nslots, rsize,
				       (uint64_t)nslots * rsize, 1))
			_exit(3);
		for (seq = 0; seq < records; seq++) {
			uint64_t *w;

			while (!(w = spinal_ring_prod_reserve(&p))) {
				full_spins++;
				if ((full_spins & 63) == 0)
					sched_yield();
			}
			fill(w, nw, seq);
			spinal_ring_prod_commit(&p);
		}
		_exit(p.invalid ? 4 : 0);
	}

	{
		struct spinal_ring c;
		uint64_t *tmp = malloc(rsize);
		uint64_t empty = 0;

		if (!tmp || spinal_ring_attach(&c, &sh->prod, &sh->cons, sh->slots, nslots, rsize,
					       (uint64_t)nslots * rsize, 0)) {
			fprintf(stderr, "ring-validate: consumer attach failed\n");
			return 1;
		}
		while (expect < records) {
			int64_t n = spinal_ring_cons_avail(&c), i;

			if (n < 0) {
				fprintf(stderr, "ring-validate: impossible producer position\n");
				return 1;
			}
			if (n == 0) {
				if ((++empty & 63) == 0)
					sched_yield();
				continue;
			}
			for (i = 0; i < n; i++) {
				/* copy out first (single fetch), then validate the copy */
				memcpy(tmp, spinal_ring_cons_peek(&c, (uint32_t)i), rsize);
				if (tmp[0] != expect || !check(tmp, nw)) {
					if (bad++ < 5)
						fprintf(stderr, "ring-validate: record %" PRIu64 ": got seq %" PRIu64 "%s\n",
							expect, tmp[0], check(tmp, nw) ? "" : " (bad checksum)");
				}
				expect++;
			}
			spinal_ring_cons_release(&c, (uint32_t)n);
		}
		free(tmp);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "ring-validate: producer failed (status %d)\n", status);
		return 1;
	}
	printf("ring-validate: %" PRIu64 " records x %u B through %u slots, positions wrapped %s: %s\n",
	       records, rsize, nslots,
	       (uint32_t)(start + records) < start ? "yes" : "no", bad ? "FAIL" : "ok");
	return bad ? 1 : 0;
}
