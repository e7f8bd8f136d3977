// SPDX-License-Identifier: MIT
/*
 * NIR for the rest of the agent: convention and reset names, "load a NIR
 * file into a model blob" (read + lower), and a printable summary for
 * spinal-model info.  The lowering compiler itself is nir_lower.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "userspace/nir.h"
#include "userspace/nir_impl.h"

static const char *const conv_names[NIR_CONV_COUNT] = {
	"nir", "snntorch", "norse", "rockpool", "sinabs",
};
static const char *const reset_names[] = { "value", "subtract",
					   "subtract-delayed", "subtract-multi" };
#define N_RESETS (int)(sizeof(reset_names) / sizeof(reset_names[0]))

int nir_convention_parse(const char *s)
{
	for (int i = 0; i < NIR_CONV_COUNT; i++)
		if (!strcmp(s, conv_names[i]))
			return i;
	return -2;
}

int nir_reset_parse(const char *s)
{
	for (int i = 0; i < N_RESETS; i++)
		if (!strcmp(s, reset_names[i]))
			return i;
	return -1;
}

const char *nir_reset_name(int r)
{
	return r >= 0 && r < N_RESETS ? reset_names[r] : "?";
}

const char *nir_convention_name(int c)
{
	return c >= 0 && c < NIR_CONV_COUNT ? conv_names[c] :
	       c == NIR_CONV_FILE ? "file" : "?";
}

int nir_load_blob_opts(const char *path, const struct nir_opts *o, void **blob,
		       size_t *len, char *err, size_t errlen)
{
	struct nir_graph *g = nir_read(path, err, errlen);
	char e2[512];
	int ret;

	if (!g)
		return -errno;
	ret = nir_graph_lower(g, o, blob, len, NULL, e2, sizeof(e2));
	if (ret)
		snprintf(err, errlen, "%s: %s", path, e2);
	nir_graph_free(g);
	return ret;
}

int nir_load_blob(const char *path, double dt, void **blob, size_t *len,
		  char *err, size_t errlen)
{
	struct nir_opts o = {
		.dt = dt,
		.convention = NIR_CONV_FILE,
		.reset = NIR_RESET_DEFAULT,
		.context_len = 16,
	};

	return nir_load_blob_opts(path, &o, blob, len, err, errlen);
}

void nir_graph_print(const struct nir_graph *g, FILE *f)
{
	int unsupported = 0;

	fprintf(f, "file:     %s\nversion:  %s\nnodes:    %d\nedges:    %d\n",
		g->path, g->version, g->n_nodes, g->n_edges);
	for (int i = 0; i < g->n_nodes; i++) {
		const struct nir_node *n = &g->nodes[i];

		fprintf(f, "  %-24s %-10s", n->name, n->type);
		if (n->kind == NK_UNSUPPORTED) {
			fprintf(f, "  UNSUPPORTED");
			unsupported++;
		}
		for (int p = 0; p < NP_COUNT; p++) {
			const struct nir_arr *a = &n->p[p];

			if (!a->present)
				continue;
			fprintf(f, "  %s[", nir_param_name(p));
			for (int d = 0; d < a->rank; d++)
				fprintf(f, "%s%zu", d ? "x" : "", a->dims[d]);
			fprintf(f, "]");
		}
		fprintf(f, "\n");
	}
	for (int e = 0; e < g->n_edges; e++)
		fprintf(f, "  edge %s -> %s\n", g->nodes[g->edges[e].src].name,
			g->nodes[g->edges[e].dst].name);
	if (unsupported)
		fprintf(f, "unsupported: %d node(s)\n", unsupported);
}
