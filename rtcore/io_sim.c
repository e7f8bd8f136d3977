// SPDX-License-Identifier: MIT
/* In-process deterministic unicycle robot (the `--io sim` backend). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "rtcore/io.h"

struct io_sim {
	struct io_backend io;
	double x, y, theta, v, omega, dt;
	uint64_t seq;
};

static int sim_read(struct io_backend *io, uint64_t now_ns, struct spinal_state *st)
{
	struct io_sim *s = (struct io_sim *)io;

	st->seq = s->seq;
	st->stamp_ns = now_ns;
	st->read_ns = now_ns;
	st->x = (float)s->x;
	st->y = (float)s->y;
	st->theta = (float)s->theta;
	st->v = (float)s->v;
	st->omega = (float)s->omega;
	return 0;
}

static int sim_write(struct io_backend *io, uint64_t now_ns, const struct spinal_cmd *cmd)
{
	struct io_sim *s = (struct io_sim *)io;
	double v = cmd->v, w = cmd->omega;

	(void)now_ns;
	if (!isfinite(v) || !isfinite(w))
		v = w = 0; /* a driver never forwards NaN */
	/* exact unicycle integration over one period (midpoint heading) */
	s->x += v * cos(s->theta + 0.5 * w * s->dt) * s->dt;
	s->y += v * sin(s->theta + 0.5 * w * s->dt) * s->dt;
	s->theta = remainder(s->theta + w * s->dt, 2 * M_PI);
	s->v = v;
	s->omega = w;
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
	s->x = x;
	s->y = y;
	s->theta = theta;
	s->dt = dt_s;
	return &s->io;
}
