// SPDX-License-Identifier: MIT
/*
 * hostile-agent: a compromised spinal-agent.  Receives the agent's
 * descriptors from spinal-core --socket, then for --seconds writes random and
 * adversarial bytes into everything it may write (CONS, CFG) while reading
 * the core's stats.  Attacks, in rotating phases:
 *   cons-random     random telemetry consumer positions
 *   cons-past-end   consumer ahead of the producer / more than nslots behind
 *   cons-backwards  consumer moving backwards
 *   cons-flip       consumer flipping between a valid and an impossible value
 *   cons-scribble   random bytes over the CONS header, section table, ring
 *                   geometry and agent info
 *   cfg-garbage     random config messages, producer index bumped
 *   cfg-lies        well-formed headers with wrong lengths, NaN, huge ids,
 *                   reserved bits, staging offsets past the end, bad checksums
 *   cfg-index       config producer index past the end / backwards / flipping
 *   resize          ftruncate, fallocate, F_ADD_SEALS on both writable fds
 *   punch-hole      FALLOC_FL_PUNCH_HOLE on CONS (allowed by the seals; drops
 *                   the pages, the core faults fresh zero pages in)
 * Verdict (exit 1 if any fails): the core is alive, its tick rate held
 * (>= --min-rate of nominal), it counted the impossible consumer positions
 * and rejected config messages, its command stayed finite and within the
 * limits given, and no safe stop was latched.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <spinal/config.h>
#include <spinal/region.h>
#include <spinal/ring.h>
#include <spinal/shm.h>
#include <spinal/stats.h>

#include "lib/handoff_client.h"

#define NPHASES 10

static const char *const phase_name[NPHASES] = {
	"cons-random", "cons-past-end", "cons-backwards", "cons-flip", "cons-scribble",
	"cfg-garbage", "cfg-lies", "cfg-index", "resize", "punch-hole",
};

struct region {
	uint32_t kind;
	int fd, writable;
	unsigned char *base;
	size_t len;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static float f_of(const _Atomic uint32_t *p)
{
	uint32_t u = atomic_load_explicit(p, memory_order_relaxed);
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* Section of a region as the CORE laid it out: from our private copy of the
 * header, taken before we scribble on it. */
static void *sect(const struct spinal_region_hdr *copy, unsigned char *base, uint32_t id,
		  uint64_t *size)
{
	uint32_t i;

	for (i = 0; i < copy->nsections && i < SPINAL_MAX_SECTIONS; i++)
		if (copy->sect[i].id == id) {
			if (size)
				*size = copy->sect[i].size;
			return base + copy->sect[i].off;
		}
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "as-user", required_argument, NULL, 'u' },
		{ "seconds", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 'S' },
		{ "period-us", required_argument, NULL, 'p' },
		{ "max-speed", required_argument, NULL, 'v' },
		{ "min-rate", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *user = NULL;
	double seconds = 6, period_us = 1000, vmax = 1.0, min_rate = 0.9;
	struct spinal_handoff_resp resp;
	int fds[SPINAL_HANDOFF_MAX_FDS], n, i, c, bad = 0;
	struct region reg[SPINAL_HANDOFF_MAX_FDS] = { 0 };
	struct region *stats_r = NULL, *cons_r = NULL, *cfg_r = NULL;
	struct spinal_region_hdr cons_h, cfg_h, stats_h;
	struct spinal_stats *st;
	struct spinal_ring_idx *tcons, *cprod;
	unsigned char *cslots, *staging;
	uint64_t cslots_len = 0, staging_len = 0, attempts[NPHASES] = { 0 }, resize_ok = 0;
	uint64_t punch_ok = 0, t0, t_end, ticks0, inval0, rej0, seq = 1;
	uint32_t nslots_c;
	char err[512];

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'u': user = optarg; break;
		case 't': seconds = atof(optarg); break;
		case 'S': rng_state = strtoull(optarg, NULL, 0) | 1; break;
		case 'p': period_us = atof(optarg); break;
		case 'v': vmax = atof(optarg); break;
		case 'm': min_rate = atof(optarg); break;
		default: return 2;
		}
	}
	if (!sock) {
		fprintf(stderr, "usage: hostile-agent --socket PATH [--as-user U] [--seconds S] [--seed N] [--period-us US] [--max-speed V] [--min-rate F]\n");
		return 2;
	}
	if (user) {
		struct passwd *pw = getpwnam(user);

		if (!pw || setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
			fprintf(stderr, "hostile-agent: cannot become '%s'\n", user);
			return 2;
		}
	}
	n = spinal_handoff_recv(sock, SPINAL_ROLE_AGENT, &resp, fds, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "hostile-agent: %s\n", err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct stat sb;

		fstat(fds[i], &sb);
		reg[i].kind = resp.kind[i];
		reg[i].fd = fds[i];
		reg[i].writable = (resp.writable >> i) & 1;
		reg[i].len = (size_t)sb.st_size;
		reg[i].base = mmap(NULL, reg[i].len, PROT_READ | (reg[i].writable ? PROT_WRITE : 0),
				   MAP_SHARED, fds[i], 0);
		if (reg[i].base == MAP_FAILED || spinal_region_check((void *)reg[i].base, reg[i].len,
								     reg[i].kind, NULL)) {
			fprintf(stderr, "hostile-agent: region %u unusable\n", reg[i].kind);
			return 1;
		}
		if (reg[i].kind == SPINAL_REGION_STATS)
			stats_r = &reg[i];
		if (reg[i].kind == SPINAL_REGION_CONS && reg[i].writable)
			cons_r = &reg[i];
		if (reg[i].kind == SPINAL_REGION_CFG && reg[i].writable)
			cfg_r = &reg[i];
	}
	if (!stats_r || !cons_r || !cfg_r) {
		fprintf(stderr, "hostile-agent: expected STATS, writable CONS and CFG\n");
		return 1;
	}
	memcpy(&stats_h, stats_r->base, sizeof(stats_h));
	memcpy(&cons_h, cons_r->base, sizeof(cons_h));
	memcpy(&cfg_h, cfg_r->base, sizeof(cfg_h));
	st = sect(&stats_h, stats_r->base, SPINAL_SECT_STATS, NULL);
	tcons = sect(&cons_h, cons_r->base, SPINAL_SECT_RING_CONS, NULL);
	cprod = sect(&cfg_h, cfg_r->base, SPINAL_SECT_CFG_PROD, NULL);
	cslots = sect(&cfg_h, cfg_r->base, SPINAL_SECT_CFG_SLOTS, &cslots_len);
	staging = sect(&cfg_h, cfg_r->base, SPINAL_SECT_STAGING, &staging_len);
	if (!st || !tcons || !cprod || !cslots || !staging) {
		fprintf(stderr, "hostile-agent: sections missing\n");
		return 1;
	}
	nslots_c = (uint32_t)(cslots_len / SPINAL_CFG_SLOT_SIZE);
	ticks0 = atomic_load(&st->ticks);
	inval0 = atomic_load(&st->telem_cons_invalid);
	rej0 = atomic_load(&st->cfg_rejected);
	t0 = mono_ns();
	t_end = t0 + (uint64_t)(seconds * 1e9);
	printf("hostile-agent: uid %u attacking core pid %d for %.1f s (CONS %zu bytes, CFG %zu bytes writable)\n",
	       (unsigned int)getuid(), resp.core_pid, seconds, cons_r->len, cfg_r->len);

	while (mono_ns() < t_end) {
		unsigned int ph = (unsigned int)(((mono_ns() - t0) / 250000000ull) % NPHASES);
		uint32_t p = atomic_load(&tcons->pos), v, k;
		struct spinal_cfg_msg m;

		attempts[ph]++;
		switch (ph) {
		case 0:
			atomic_store(&tcons->pos, (uint32_t)rnd());
			break;
		case 1:
			atomic_store(&tcons->pos, p + 20000000u + (uint32_t)(rnd() % 1000));
			break;
		case 2:
			atomic_store(&tcons->pos, p - 1 - (uint32_t)(rnd() % 64));
			break;
		case 3:
			for (k = 0; k < 1000; k++)
				atomic_store(&tcons->pos, k & 1 ? 0x80000000u ^ p : p);
			break;
		case 4:
			v = (uint32_t)(rnd() % cons_r->len);
			for (k = 0; k < 64; k++)
				cons_r->base[(v + k) % cons_r->len] = (unsigned char)rnd();
			tcons->nslots = (uint32_t)rnd();
			tcons->slot_size = (uint32_t)rnd();
			break;
		case 5:
			for (k = 0; k < sizeof(m); k += 8) {
				uint64_t x = rnd();

				memcpy((unsigned char *)&m + k, &x, 8);
			}
			memcpy(cslots + (size_t)(atomic_load(&cprod->pos) % nslots_c) * SPINAL_CFG_SLOT_SIZE,
			       &m, sizeof(m));
			atomic_store(&cprod->pos, atomic_load(&cprod->pos) + 1);
			break;
		case 6:
			memset(&m, 0, sizeof(m));
			m.magic = SPINAL_CFG_MAGIC;
			m.seq = rnd() & 1 ? seq++ : rnd();
			m.type = (uint32_t)(rnd() % 40);
			if (m.type == SPINAL_CFG_ESTOP_SET)
				m.type = SPINAL_CFG_NOP + 40; /* unknown, not an e-stop */
			m.len = (uint32_t)(rnd() % 300);
			m.flags = (uint32_t)rnd();
			m.reserved = rnd() & 3;
			{
				struct spinal_cfg_commit cm = {
					.off = rnd() & 1 ? staging_len - 8 : rnd(),
					.len = rnd() & 1 ? staging_len : rnd(),
					.checksum = rnd(), .blob_id = rnd(),
				};
				float nanf_ = NAN;

				memcpy(m.payload, &cm, sizeof(cm));
				if (rnd() & 1)
					memcpy(m.payload + 8, &nanf_, sizeof(nanf_));
			}
			for (k = 0; k < 256; k++)
				staging[rnd() % staging_len] = (unsigned char)rnd();
			memcpy(cslots + (size_t)(atomic_load(&cprod->pos) % nslots_c) * SPINAL_CFG_SLOT_SIZE,
			       &m, sizeof(m));
			atomic_store(&cprod->pos, atomic_load(&cprod->pos) + 1);
			break;
		case 7:
			v = atomic_load(&cprod->pos);
			atomic_store(&cprod->pos, rnd() & 1 ? v + 1000000u : v - 5u);
			cprod->nslots = (uint32_t)rnd();
			break;
		case 8:
			resize_ok += ftruncate(cons_r->fd, 0) == 0;
			resize_ok += ftruncate(cfg_r->fd, (off_t)cfg_r->len * 4) == 0;
			resize_ok += fallocate(cfg_r->fd, 0, (off_t)cfg_r->len, 1 << 20) == 0;
			resize_ok += fcntl(cons_r->fd, F_ADD_SEALS, F_SEAL_WRITE) == 0;
			resize_ok += fcntl(cfg_r->fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) == 0;
			resize_ok += fcntl(reg[0].fd, F_ADD_SEALS, F_SEAL_WRITE) == 0;
			break;
		case 9:
			/* drop the page holding the telemetry consumer index */
			punch_ok += fallocate(cons_r->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					      (off_t)((unsigned char *)tcons - cons_r->base) & ~4095l,
					      4096) == 0;
			atomic_store(&tcons->pos, p + 17u);
			break;
		}
		if (ph != 3)
			usleep(200);
	}

	/* verdict */
	{
		double el = (double)(mono_ns() - t0) * 1e-9;
		uint64_t ticks = atomic_load(&st->ticks) - ticks0;
		double rate = (double)ticks / (el * 1e6 / period_us);
		uint64_t inval = atomic_load(&st->telem_cons_invalid) - inval0;
		uint64_t rej = atomic_load(&st->cfg_rejected) - rej0;
		uint32_t ss = atomic_load(&st->safe_stop);
		float cv = f_of(&st->cmd_v), cw = f_of(&st->cmd_omega);
		int alive = kill(resp.core_pid, 0) == 0 || errno == EPERM;

		for (i = 0; i < NPHASES; i++)
			printf("  attack %-15s %8llu rounds\n", phase_name[i],
			       (unsigned long long)attempts[i]);
		printf("  resize/seal attempts that succeeded: %llu (must be 0)\n",
		       (unsigned long long)resize_ok);
		printf("  punch-hole on CONS succeeded: %llu times (allowed by F_SEAL_SHRINK|GROW; costs the core a page fault)\n",
		       (unsigned long long)punch_ok);
		printf("  core alive: %s\n", alive ? "yes" : "NO");
		printf("  ticks: %llu in %.2f s = %.3f of nominal (min %.2f)\n",
		       (unsigned long long)ticks, el, rate, min_rate);
		printf("  impossible consumer positions counted: +%llu\n", (unsigned long long)inval);
		printf("  config messages rejected: +%llu\n", (unsigned long long)rej);
		printf("  safe_stop latch: 0x%x; command v=%.3f omega=%.3f (v limit %.2f)\n", ss, cv, cw,
		       vmax);
		bad += !alive;
		bad += resize_ok != 0;
		bad += rate < min_rate;
		bad += inval == 0;
		bad += rej == 0;
		bad += (ss & ~SPINAL_SAFE_STOP_ESTOP) != 0;
		bad += !isfinite(cv) || !isfinite(cw) || fabsf(cv) > (float)vmax + 1e-4f;
	}
	printf("hostile-agent: %s\n", bad ? "FAIL" : "PASS (core rejected, counted, kept its period)");
	return bad ? 1 : 0;
}
