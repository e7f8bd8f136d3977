// SPDX-License-Identifier: MIT
/*
 * NIR reader: HDF5 file -> flattened struct nir_graph.
 *
 * File layout (neuromorphs/NIR, nir/serialization.py): a root "version"
 * string and a root group "node" holding a NIRGraph: datasets "type"
 * ("NIRGraph"), "edges" (N x 2 strings) and a group "nodes" with one group
 * per node, each with a "type" string and its parameter datasets.  Nested
 * NIRGraph nodes are flattened with dotted names ("sub.lif"); an edge that
 * names a nested graph connects to its Input (as target) or Output (as
 * source) node.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "userspace/nir.h"
#include "userspace/nir_impl.h"

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *const param_names[NP_COUNT] = {
	[NP_WEIGHT] = "weight", [NP_BIAS] = "bias", [NP_TAU] = "tau",
	[NP_TAU_SYN] = "tau_syn", [NP_TAU_MEM] = "tau_mem", [NP_R] = "r",
	[NP_V_LEAK] = "v_leak", [NP_V_THRESHOLD] = "v_threshold",
	[NP_V_RESET] = "v_reset", [NP_W_IN] = "w_in", [NP_SCALE] = "scale",
	[NP_SHAPE] = "shape",
};

const char *nir_param_name(enum nir_param p)
{
	return param_names[p];
}

int nir_kind_is_neuron(enum nir_kind k)
{
	return k >= NK_LIF && k <= NK_I;
}

/* Required (R) and optional (O) datasets per type. */
static const struct {
	const char *type;
	enum nir_kind kind;
	unsigned int req, opt;
} types[] = {
#define B(p) (1u << (p))
	{ "Input", NK_INPUT, B(NP_SHAPE), 0 },
	{ "Output", NK_OUTPUT, B(NP_SHAPE), 0 },
	{ "NIRGraph", NK_GRAPH, 0, 0 },
	{ "Affine", NK_AFFINE, B(NP_WEIGHT) | B(NP_BIAS), 0 },
	{ "Linear", NK_LINEAR, B(NP_WEIGHT), 0 },
	{ "Scale", NK_SCALE, B(NP_SCALE), 0 },
	{ "LIF", NK_LIF, B(NP_TAU) | B(NP_R) | B(NP_V_LEAK) | B(NP_V_THRESHOLD),
	  B(NP_V_RESET) },
	{ "CubaLIF", NK_CUBALIF, B(NP_TAU_SYN) | B(NP_TAU_MEM) | B(NP_R) |
	  B(NP_V_LEAK) | B(NP_V_THRESHOLD), B(NP_V_RESET) | B(NP_W_IN) },
	{ "LI", NK_LI, B(NP_TAU) | B(NP_R) | B(NP_V_LEAK), 0 },
	{ "CubaLI", NK_CUBALI, B(NP_TAU_SYN) | B(NP_TAU_MEM) | B(NP_R) |
	  B(NP_V_LEAK), B(NP_W_IN) },
	{ "IF", NK_IF, B(NP_R) | B(NP_V_THRESHOLD), B(NP_V_RESET) },
	{ "I", NK_I, B(NP_R), 0 },
#undef B
};

static int exists(hid_t loc, const char *name)
{
	return H5Lexists(loc, name, H5P_DEFAULT) > 0;
}

/* A scalar string dataset (variable or fixed length) into buf. */
static int read_string(hid_t loc, const char *name, char *buf, size_t size)
{
	hid_t ds, ft = -1, mt = -1, sp = -1;
	int ret = -1;

	ds = H5Dopen2(loc, name, H5P_DEFAULT);
	if (ds < 0)
		return -1;
	ft = H5Dget_type(ds);
	sp = H5Dget_space(ds);
	if (ft < 0 || sp < 0 || H5Tget_class(ft) != H5T_STRING ||
	    H5Sget_simple_extent_npoints(sp) != 1)
		goto out;
	mt = H5Tcopy(H5T_C_S1);
	if (H5Tis_variable_str(ft) > 0) {
		char *s = NULL;

		H5Tset_size(mt, H5T_VARIABLE);
		H5Tset_cset(mt, H5Tget_cset(ft));
		if (H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s) < 0 || !s)
			goto out;
		snprintf(buf, size, "%s", s);
		H5free_memory(s);
	} else {
		size_t n = H5Tget_size(ft);
		char *tmp = calloc(1, n + 1);

		if (!tmp)
			goto out;
		H5Tset_size(mt, n + 1);
		H5Tset_strpad(mt, H5T_STR_NULLTERM);
		if (H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) < 0) {
			free(tmp);
			goto out;
		}
		snprintf(buf, size, "%s", tmp);
		free(tmp);
	}
	ret = 0;
out:
	if (mt >= 0)
		H5Tclose(mt);
	if (sp >= 0)
		H5Sclose(sp);
	if (ft >= 0)
		H5Tclose(ft);
	H5Dclose(ds);
	return ret;
}

/* A string attribute of the root (the file's declared convention) into
 * buf; "" if absent or not a short string. */
static void read_attr_string(hid_t f, const char *name, char *buf, size_t size)
{
	hid_t a, t = -1, mt = -1;

	buf[0] = '\0';
	if (H5Aexists(f, name) <= 0)
		return;
	a = H5Aopen(f, name, H5P_DEFAULT);
	if (a < 0)
		return;
	t = H5Aget_type(a);
	if (t >= 0 && H5Tget_class(t) == H5T_STRING) {
		mt = H5Tcopy(H5T_C_S1);
		if (H5Tis_variable_str(t) > 0) {
			char *s = NULL;

			H5Tset_size(mt, H5T_VARIABLE);
			if (H5Aread(a, mt, &s) >= 0 && s)
				snprintf(buf, size, "%s", s);
			if (s)
				H5free_memory(s);
		} else if (H5Tget_size(t) < size) {
			H5Tset_size(mt, size);
			H5Tset_strpad(mt, H5T_STR_NULLTERM);
			if (H5Aread(a, mt, buf) < 0)
				buf[0] = '\0';
			buf[size - 1] = '\0';
		}
	}
	if (mt >= 0)
		H5Tclose(mt);
	if (t >= 0)
		H5Tclose(t);
	H5Aclose(a);
}

/* A numeric dataset into a->d (as double). */
static int read_array(hid_t loc, const char *name, struct nir_arr *a,
		      const char *node, char *err, size_t errlen)
{
	hid_t ds, ft = -1, sp = -1;
	hsize_t dims[H5S_MAX_RANK];
	int ret = -EINVAL, rank, cls;

	ds = H5Dopen2(loc, name, H5P_DEFAULT);
	if (ds < 0)
		return fail(err, errlen, "node '%s': cannot open dataset '%s'",
			    node, name);
	ft = H5Dget_type(ds);
	sp = H5Dget_space(ds);
	cls = ft >= 0 ? H5Tget_class(ft) : -1;
	if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
		fail(err, errlen, "node '%s': dataset '%s' is not numeric",
		     node, name);
		goto out;
	}
	rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
	if (rank < 0 || rank > NIR_MAX_RANK) {
		fail(err, errlen, "node '%s': dataset '%s' has rank %d (max %d)",
		     node, name, rank, NIR_MAX_RANK);
		goto out;
	}
	H5Sget_simple_extent_dims(sp, dims, NULL);
	a->rank = rank;
	a->n = 1;
	for (int i = 0; i < rank; i++) {
		a->dims[i] = dims[i];
		if (dims[i] > NIR_MAX_ELEMS || a->n * dims[i] > NIR_MAX_ELEMS) {
			fail(err, errlen,
			     "node '%s': dataset '%s' is oversized (more than %u elements)",
			     node, name, NIR_MAX_ELEMS);
			goto out;
		}
		a->n *= dims[i];
	}
	if (a->n == 0) {
		fail(err, errlen, "node '%s': dataset '%s' is empty", node, name);
		goto out;
	}
	a->d = malloc(a->n * sizeof(double));
	if (!a->d) {
		ret = fail(err, errlen, "node '%s': out of memory for '%s'",
			   node, name);
		ret = -ENOMEM;
		goto out;
	}
	if (H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
		    a->d) < 0) {
		fail(err, errlen, "node '%s': cannot read dataset '%s'", node,
		     name);
		goto out;
	}
	for (size_t i = 0; i < a->n; i++)
		if (!isfinite(a->d[i])) {
			fail(err, errlen,
			     "node '%s': dataset '%s' has a non-finite value (%g) at index %zu",
			     node, name, a->d[i], i);
			goto out;
		}
	a->present = 1;
	ret = 0;
out:
	if (sp >= 0)
		H5Sclose(sp);
	if (ft >= 0)
		H5Tclose(ft);
	H5Dclose(ds);
	return ret;
}

struct names {
	int n;
	char (*v)[NIR_NAME_MAX];
};

static herr_t collect(hid_t g, const char *name, const H5L_info_t *info,
		      void *arg)
{
	struct names *nm = arg;

	(void)g;
	(void)info;
	if (nm->n >= NIR_MAX_NODES)
		return 1;
	snprintf(nm->v[nm->n++], NIR_NAME_MAX, "%s", name);
	return 0;
}

static int find(const struct nir_graph *g, const char *name)
{
	for (int i = 0; i < g->n_nodes; i++)
		if (!strcmp(g->nodes[i].name, name))
			return i;
	return -1;
}

static int parse_graph(struct nir_graph *g, hid_t grp, const char *prefix,
		       int depth, int *in_idx, int *out_idx, char *err,
		       size_t errlen);

static int parse_node(struct nir_graph *g, hid_t ng, const char *full,
		      const char *prefix, int depth, char *err, size_t errlen)
{
	struct nir_node *n;
	unsigned int k;
	int ret;

	if (g->n_nodes >= NIR_MAX_NODES)
		return fail(err, errlen, "graph has more than %d nodes",
			    NIR_MAX_NODES);
	if (strlen(full) >= sizeof(n->name))
		return fail(err, errlen, "node name '%s' too long", full);
	n = &g->nodes[g->n_nodes++];
	memcpy(n->name, full, strlen(full) + 1);
	n->sub_in = n->sub_out = -1;
	if (!exists(ng, "type") || read_string(ng, "type", n->type,
					       sizeof(n->type)))
		return fail(err, errlen, "node '%s': missing or unreadable 'type'",
			    full);
	for (k = 0; k < sizeof(types) / sizeof(types[0]); k++)
		if (!strcmp(types[k].type, n->type))
			break;
	if (k == sizeof(types) / sizeof(types[0])) {
		n->kind = NK_UNSUPPORTED; /* reported by lowering and info */
		return 0;
	}
	n->kind = types[k].kind;
	if (n->kind == NK_GRAPH) {
		char sub[NIR_NAME_MAX + 2];
		int si = -1, so = -1, me = g->n_nodes - 1;

		if (depth >= NIR_MAX_DEPTH)
			return fail(err, errlen, "node '%s': graphs nested deeper than %d",
				    full, NIR_MAX_DEPTH);
		snprintf(sub, sizeof(sub), "%s.", full);
		ret = parse_graph(g, ng, sub, depth + 1, &si, &so, err, errlen);
		if (ret)
			return ret;
		g->nodes[me].sub_in = si;
		g->nodes[me].sub_out = so;
		return 0;
	}
	if (depth > 0 && (n->kind == NK_INPUT || n->kind == NK_OUTPUT))
		n->kind = NK_IDENT;
	for (int p = 0; p < NP_COUNT; p++) {
		unsigned int bit = 1u << p;

		if (!((types[k].req | types[k].opt) & bit))
			continue;
		if (!exists(ng, param_names[p])) {
			if (types[k].req & bit)
				return fail(err, errlen,
					    "node '%s' (%s): missing dataset '%s'",
					    full, n->type, param_names[p]);
			continue;
		}
		ret = read_array(ng, param_names[p], &n->p[p], full, err,
				 errlen);
		if (ret)
			return ret;
	}
	(void)prefix;
	return 0;
}

/* Resolve an edge endpoint named in the graph with the given prefix. */
static int resolve(const struct nir_graph *g, const char *prefix,
		   const char *name, int as_src)
{
	char full[2 * NIR_NAME_MAX];
	int i;

	snprintf(full, sizeof(full), "%s%s", prefix, name);
	i = find(g, full);
	while (i >= 0 && g->nodes[i].kind == NK_GRAPH)
		i = as_src ? g->nodes[i].sub_out : g->nodes[i].sub_in;
	return i;
}

static int parse_edges(struct nir_graph *g, hid_t grp, const char *prefix,
		       char *err, size_t errlen)
{
	hid_t ds, ft = -1, sp = -1, mt = -1;
	hsize_t dims[2] = { 0, 0 };
	int ret = -EINVAL, rank;
	char **s = NULL;
	size_t n;

	ds = H5Dopen2(grp, "edges", H5P_DEFAULT);
	if (ds < 0)
		return fail(err, errlen, "graph '%s': missing dataset 'edges'",
			    prefix[0] ? prefix : "<root>");
	ft = H5Dget_type(ds);
	sp = H5Dget_space(ds);
	rank = H5Sget_simple_extent_ndims(sp);
	if (rank >= 1)
		H5Sget_simple_extent_dims(sp, dims, NULL);
	if (rank == 1 && dims[0] == 0) { /* no edges */
		ret = 0;
		goto out;
	}
	if (rank != 2 || dims[1] != 2 || H5Tget_class(ft) != H5T_STRING ||
	    H5Tis_variable_str(ft) <= 0) {
		fail(err, errlen,
		     "graph '%s': 'edges' must be an N x 2 array of strings",
		     prefix[0] ? prefix : "<root>");
		goto out;
	}
	if (dims[0] > NIR_MAX_EDGES) {
		fail(err, errlen, "graph '%s': more than %d edges",
		     prefix[0] ? prefix : "<root>", NIR_MAX_EDGES);
		goto out;
	}
	n = dims[0] * 2;
	s = calloc(n, sizeof(*s));
	mt = H5Tcopy(H5T_C_S1);
	H5Tset_size(mt, H5T_VARIABLE);
	H5Tset_cset(mt, H5Tget_cset(ft));
	if (!s || H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, s) < 0) {
		fail(err, errlen, "graph '%s': cannot read 'edges'",
		     prefix[0] ? prefix : "<root>");
		goto out_free;
	}
	for (size_t e = 0; e < dims[0]; e++) {
		const char *a = s[2 * e] ? s[2 * e] : "";
		const char *b = s[2 * e + 1] ? s[2 * e + 1] : "";
		int src = resolve(g, prefix, a, 1), dst = resolve(g, prefix, b, 0);

		if (src < 0 || dst < 0) {
			fail(err, errlen, "edge %s%s -> %s%s: no node named '%s%s'",
			     prefix, a, prefix, b, prefix, src < 0 ? a : b);
			goto out_free;
		}
		if (g->n_edges >= NIR_MAX_EDGES) {
			fail(err, errlen, "graph has more than %d edges",
			     NIR_MAX_EDGES);
			goto out_free;
		}
		g->edges[g->n_edges].src = src;
		g->edges[g->n_edges].dst = dst;
		g->n_edges++;
	}
	ret = 0;
out_free:
	if (s) {
		for (size_t i = 0; i < n; i++)
			if (s[i])
				H5free_memory(s[i]);
		free(s);
	}
out:
	if (mt >= 0)
		H5Tclose(mt);
	if (sp >= 0)
		H5Sclose(sp);
	if (ft >= 0)
		H5Tclose(ft);
	H5Dclose(ds);
	return ret;
}

static int parse_graph(struct nir_graph *g, hid_t grp, const char *prefix,
		       int depth, int *in_idx, int *out_idx, char *err,
		       size_t errlen)
{
	struct names nm = { 0, NULL };
	hid_t nodes;
	hsize_t idx = 0;
	int ret = 0;

	if (!exists(grp, "nodes"))
		return fail(err, errlen, "graph '%s': missing group 'nodes'",
			    prefix[0] ? prefix : "<root>");
	nodes = H5Gopen2(grp, "nodes", H5P_DEFAULT);
	if (nodes < 0)
		return fail(err, errlen, "graph '%s': 'nodes' is not a group",
			    prefix[0] ? prefix : "<root>");
	nm.v = calloc(NIR_MAX_NODES, sizeof(*nm.v));
	if (!nm.v) {
		H5Gclose(nodes);
		return -ENOMEM;
	}
	if (H5Literate(nodes, H5_INDEX_NAME, H5_ITER_INC, &idx, collect,
		       &nm) != 0) {
		ret = fail(err, errlen, "graph '%s': cannot list nodes (more than %d?)",
			   prefix[0] ? prefix : "<root>", NIR_MAX_NODES);
		goto out;
	}
	*in_idx = *out_idx = -1;
	for (int i = 0; i < nm.n && !ret; i++) {
		char full[2 * NIR_NAME_MAX + 2];
		hid_t ng;

		if (strlen(prefix) + strlen(nm.v[i]) >= NIR_NAME_MAX) {
			ret = fail(err, errlen, "node name '%s%s' too long",
				   prefix, nm.v[i]);
			break;
		}
		snprintf(full, sizeof(full), "%s%s", prefix, nm.v[i]);
		if (H5Oexists_by_name(nodes, nm.v[i], H5P_DEFAULT) <= 0 ||
		    (ng = H5Gopen2(nodes, nm.v[i], H5P_DEFAULT)) < 0) {
			ret = fail(err, errlen, "node '%s' is not a group", full);
			break;
		}
		ret = parse_node(g, ng, full, prefix, depth, err, errlen);
		H5Gclose(ng);
		if (ret)
			break;
		int me = g->n_nodes - 1;

		/* the node itself is last unless it was a graph */
		me = find(g, full);
		if (g->nodes[me].kind == NK_INPUT || g->nodes[me].kind == NK_OUTPUT ||
		    (depth > 0 && g->nodes[me].kind == NK_IDENT)) {
			int is_in = !strcmp(g->nodes[me].type, "Input");
			int *slot = is_in ? in_idx : out_idx;

			if (*slot >= 0) {
				ret = fail(err, errlen,
					   "graph '%s': more than one %s node ('%s')",
					   prefix[0] ? prefix : "<root>",
					   g->nodes[me].type, full);
				break;
			}
			*slot = me;
		}
	}
	if (!ret)
		ret = parse_edges(g, grp, prefix, err, errlen);
	if (!ret && (*in_idx < 0 || *out_idx < 0))
		ret = fail(err, errlen, "graph '%s': needs exactly one Input and one Output node",
			   prefix[0] ? prefix : "<root>");
out:
	free(nm.v);
	H5Gclose(nodes);
	return ret;
}

struct nir_graph *nir_read(const char *path, char *err, size_t errlen)
{
	struct nir_graph *g;
	hid_t f, root;
	char type[64];
	int in, out, ret;

	H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* we report errors ourselves */
	g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, errlen, "%s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	snprintf(g->path, sizeof(g->path), "%s", path);
	if (H5Fis_hdf5(path) <= 0) {
		snprintf(err, errlen, "%s: not an HDF5 file (or unreadable); expected a NIR graph",
			 path);
		free(g);
		errno = EINVAL;
		return NULL;
	}
	f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (f < 0) {
		snprintf(err, errlen, "%s: cannot open HDF5 file", path);
		free(g);
		errno = EIO;
		return NULL;
	}
	if (!exists(f, "version") ||
	    read_string(f, "version", g->version, sizeof(g->version)))
		snprintf(g->version, sizeof(g->version), "unknown");
	read_attr_string(f, "spinal_convention", g->convention,
			 sizeof(g->convention));
	ret = -EINVAL;
	if (!exists(f, "node") || (root = H5Gopen2(f, "node", H5P_DEFAULT)) < 0) {
		snprintf(err, errlen, "%s: no 'node' group; not a NIR file", path);
		goto out;
	}
	if (!exists(root, "type") || read_string(root, "type", type, sizeof(type)) ||
	    strcmp(type, "NIRGraph")) {
		snprintf(err, errlen, "%s: root node is not a NIRGraph", path);
		H5Gclose(root);
		goto out;
	}
	char e2[256];

	ret = parse_graph(g, root, "", 0, &in, &out, e2, sizeof(e2));
	H5Gclose(root);
	if (ret)
		snprintf(err, errlen, "%s: %s", path, e2);
out:
	H5Fclose(f);
	if (ret) {
		nir_graph_free(g);
		errno = -ret;
		return NULL;
	}
	return g;
}

void nir_graph_free(struct nir_graph *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->n_nodes; i++)
		for (int p = 0; p < NP_COUNT; p++)
			free(g->nodes[i].p[p].d);
	free(g);
}
