// SPDX-License-Identifier: MIT
/* In-process deterministic unicycle robot (the `--io sim` backend). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "lib/unicycle.h"
#include "rtcore/io.h"

struct io_sim {
	struct io_backend io;
	struct spinal_unicycle u; /* the same robot as tools/spinal-sim.c */
	double dt;
	uint64_t seq;
};

static int sim_read(struct io_backend *io, uint64_t now_ns, struct spinal_state *st)
{
	struct io_sim *s = (struct io_sim *)io;

	st->seq = s->seq;
	st->stamp_ns = now_ns;
	st->read_ns = now_ns;
	st->x = (float)s->u.x;
	st->y = (float)s->u.y;
	st->theta = (float)s->u.theta;
	st->v = (float)s->u.v;
	st->omega = (float)s->u.omega;
	return 0;
}

static int sim_write(struct io_backend *io, uint64_t now_ns, const struct spinal_cmd *cmd)
{
	struct io_sim *s = (struct io_sim *)io;

	(void)now_ns;
	spinal_unicycle_step(&s->u, cmd->v, cmd->omega, s->dt);
	s->seq++;
	return 0;
}

static void sim_destroy(struct io_backend *io)
{
	free(io);
}

struct io_backend *io_sim_create(double x, double y, double theta, double dt_s)
{
	struct io_sim *s;

	if (!isfinite(x) || !isfinite(y) || !isfinite(theta) || !(dt_s > 0)) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->io.name = "sim";
	s->io.read_state = sim_read;
	s->io.write_cmd = sim_write;
	s->io.destroy = sim_destroy;
	s->u.x = x;
	s->u.y = y;
	s->u.theta = theta;
	s->dt = dt_s;
	return &s->io;
}
