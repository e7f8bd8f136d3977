// SPDX-License-Identifier: MIT
/* Offline pipeline helpers (see pipe_world.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtcore/graph.h"
#include "rtcore/sps.h"
#include "tools/pipe_world.h"
#include "userspace/graph_json.h"
#include "userspace/nir.h"

/* The default floor: corridors y = 0, 6, 12 (x 0..18) and x = 0, 9, 18. */
static int map_builtin(struct spinal_gmodel *m)
{
	static const float ys[3] = { 0, 6, 12 }, xs[3] = { 0, 9, 18 };
	uint32_t id;
	int i, j, rc = 0;

	/* horizontal corridor nodes: id = 1000 * row + x */
	for (i = 0; i < 3; i++)
		for (j = 0; j <= 18; j++) {
			id = 1000u * (uint32_t)i + (uint32_t)j;
			rc |= spinal_gm_node_add(m, id, SPINAL_NODE_F_CORRIDOR, (float)j, ys[i], 0);
			if (j)
				rc |= spinal_gm_edge_add(m, id - 1, id, 0, 1);
		}
	/* vertical corridors between rows: id = 5000 + 100 * col + k */
	for (i = 0; i < 3; i++)
		for (j = 0; j < 2; j++) {
			uint32_t a = 1000u * (uint32_t)j + (uint32_t)xs[i];
			uint32_t b = 1000u * (uint32_t)(j + 1) + (uint32_t)xs[i];
			uint32_t prev = a;
			int k;

			for (k = 1; k < 6; k++) {
				id = 5000u + 100u * (uint32_t)i + 10u * (uint32_t)j + (uint32_t)k;
				rc |= spinal_gm_node_add(m, id, SPINAL_NODE_F_CORRIDOR, xs[i],
							 ys[j] + (float)k, 0);
				rc |= spinal_gm_edge_add(m, prev, id, 0, 1);
				prev = id;
			}
			rc |= spinal_gm_edge_add(m, prev, b, 0, 1);
		}
	return rc ? -EINVAL : 0;
}

static int map_file(struct spinal_gmodel *m, const char *path, char *err, size_t errlen)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int ln = 0;

	if (!f) {
		snprintf(err, errlen, "cannot open map %s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned int id, b, fl = SPINAL_NODE_F_CORRIDOR;
		float x, y, cost = 0;
		char *s = line + strspn(line, " \t");
		int rc = 0;

		ln++;
		if (*s == '#' || *s == '\n' || !*s)
			continue;
		if (sscanf(s, "node %u %f %f %u", &id, &x, &y, &fl) >= 3)
			rc = spinal_gm_node_add(m, id, fl, x, y, 0);
		else if (sscanf(s, "edge %u %u %f", &id, &b, &cost) >= 2)
			rc = spinal_gm_edge_add(m, id, b, cost, 1);
		else
			rc = -EINVAL;
		if (rc) {
			snprintf(err, errlen, "map %s line %d: invalid statement (expected 'node ID X Y [FLAGS]' or 'edge A B [COST]' with known ids)",
				 path, ln);
			fclose(f);
			return -EINVAL;
		}
	}
	fclose(f);
	return 0;
}

struct spinal_gmodel *pw_map_load(const char *spec, char *err, size_t errlen)
{
	struct spinal_gmodel *m = spinal_gm_create(65536);
	int rc;

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!strcmp(spec, "builtin")) {
		rc = map_builtin(m);
		if (rc)
			snprintf(err, errlen, "builtin map: internal error");
	} else if (strlen(spec) > 5 && !strcmp(spec + strlen(spec) - 5, ".json")) {
		/* the agent's map format, through the agent's own loader and the core's builder */
		void *blob = NULL;
		size_t len = 0;

		spinal_gm_destroy(m);
		m = NULL;
		rc = spinal_graph_json_load(spec, &blob, &len, err, errlen);
		if (!rc) {
			rc = spinal_gm_from_blob(blob, len, 65536, &m);
			if (rc)
				snprintf(err, errlen, "%s: rejected by the core's graph validator (%s)",
					 spec, spinal_cfg_reject_name((unsigned int)(-1 - rc)));
		}
		free(blob);
	} else {
		rc = map_file(m, spec, err, errlen);
	}
	if (rc) {
		spinal_gm_destroy(m);
		return NULL;
	}
	return m;
}

struct spinal_graph *pw_snapshot(struct spinal_gmodel *m, uint32_t goal_id, uint64_t gen)
{
	if (spinal_gm_set_goal(m, goal_id))
		return NULL;
	return spinal_graph_build(m, gen);
}

struct sps_plan *pw_model_load(const char *path, double dt, char *err, size_t errlen)
{
	struct sps_plan *plan;
	void *blob = NULL;
	size_t len = 0;
	int rc;

	rc = nir_load_blob(path, dt, &blob, &len, err, errlen);
	if (rc)
		return NULL;
	plan = sps_plan_create(blob, len, -1, err, errlen);
	free(blob);
	return plan;
}

void pw_pipeline_cfg(struct pipeline_cfg *pc, uint64_t period_ns)
{
	memset(pc, 0, sizeof(*pc));
	pc->period_ns = period_ns;
	pc->goal_tol = 0.25f;
	pc->lim = (struct aas_limits){ .v_max = 1.0f, .omega_max = 2.0f, .accel_max = 2.0f,
				       .alpha_max = 8.0f };
	follower_defaults(&pc->fol);
	pc->require_model = 0;
}
