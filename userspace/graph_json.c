// SPDX-License-Identifier: MIT
/*
 * JSON graph loader: json-c parses, this file checks every field and builds
 * the staged blob.  json-c keeps no positions, so error lines come from a
 * small structural scan of the (already valid) text: it only tracks strings,
 * brackets and commas to find where nodes[i] or one of its keys starts.
 */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/config.h>

#include "graph_json.h"

struct ctx {
	const char *text;
	size_t len;
	const char *name;
	char *err;
	size_t errlen;
};

static unsigned int line_at(const char *t, size_t off)
{
	unsigned int line = 1;
	size_t i;

	for (i = 0; i < off; i++)
		line += t[i] == '\n';
	return line;
}

/* Skip a string starting at t[i] == '"'; returns the index after it. */
static size_t skip_string(const char *t, size_t len, size_t i)
{
	for (i++; i < len && t[i] != '"'; i++)
		if (t[i] == '\\')
			i++;
	return i + 1;
}

static int key_is(const char *t, size_t len, size_t i, const char *key)
{
	size_t k = strlen(key);

	return i + k + 2 <= len && t[i] == '"' && !strncmp(t + i + 1, key, k) && t[i + 1 + k] == '"';
}

unsigned int spinal_graph_json_line(const char *t, size_t len, const char *array,
				    long index, const char *field)
{
	size_t i = 0, elem = 0;
	int depth = 0, in_array = 0;
	long n = -1;

	while (i < len) {
		char c = t[i];

		if (c == '"') {
			if (!in_array && depth == 1 && key_is(t, len, i, array))
				in_array = 1;
			else if (in_array == 2 && n == index && field && depth == 3 &&
				 key_is(t, len, i, field))
				return line_at(t, i);
			i = skip_string(t, len, i);
			continue;
		}
		if (c == '[' || c == '{') {
			if (in_array == 2 && depth == 2 && n == index && !field)
				return line_at(t, i);
			depth++;
			if (in_array == 1 && depth == 2 && c == '[') {
				in_array = 2;
				n = 0;
				elem = i + 1;
			}
		} else if (c == ']' || c == '}') {
			depth--;
			if (in_array == 2 && depth == 1)
				return 0;
		} else if (c == ',' && in_array == 2 && depth == 2) {
			if (n == index && !field)
				break;
			n++;
			elem = i + 1;
		} else if (in_array == 2 && depth == 2 && n == index && !field &&
			   c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			return line_at(t, i);
		}
		i++;
	}
	return in_array == 2 && n == index ? line_at(t, elem) : 0;
}

static int fail(struct ctx *c, const char *array, long index, const char *field,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(struct ctx *c, const char *array, long index, const char *field,
		const char *fmt, ...)
{
	unsigned int line = 0;
	char what[200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (array && index >= 0) {
		line = spinal_graph_json_line(c->text, c->len, array, index, field);
		if (!line)
			line = spinal_graph_json_line(c->text, c->len, array, index, NULL);
	}
	if (array && index >= 0)
		n = snprintf(c->err, c->errlen, "%s:%u: %s[%ld]%s%s: %s", c->name, line, array,
			     index, field ? "." : "", field ? field : "", what);
	else
		n = snprintf(c->err, c->errlen, "%s: %s%s%s", c->name, field ? field : "",
			     field ? ": " : "", what);
	(void)n;
	return -1;
}

static int get_id(struct ctx *c, json_object *o, const char *arr, long i, const char *key,
		  uint32_t *out)
{
	json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(o, key, &v))
		return fail(c, arr, i, key, "missing (a node id, 0..%u)", SPINAL_NODE_ID_MAX);
	if (!json_object_is_type(v, json_type_int))
		return fail(c, arr, i, key, "must be an integer node id");
	errno = 0;
	x = json_object_get_int64(v);
	if (errno || x < 0 || x > SPINAL_NODE_ID_MAX)
		return fail(c, arr, i, key, "node id out of range 0..%u", SPINAL_NODE_ID_MAX);
	*out = (uint32_t)x;
	return 0;
}

static int get_num(struct ctx *c, json_object *o, const char *arr, long i, const char *key,
		   double lo, double hi, int required, float *out)
{
	json_object *v;
	double d;

	if (!json_object_object_get_ex(o, key, &v)) {
		if (required)
			return fail(c, arr, i, key, "missing (a number in [%g, %g])", lo, hi);
		return 1;
	}
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return fail(c, arr, i, key, "must be a number");
	d = json_object_get_double(v);
	if (!isfinite(d) || d < lo || d > hi)
		return fail(c, arr, i, key, "must be a finite number in [%g, %g]", lo, hi);
	*out = (float)d;
	return 0;
}

static int only_keys(struct ctx *c, json_object *o, const char *arr, long i,
		     const char *const *keys)
{
	json_object_object_foreach(o, k, v) {
		const char *const *p;

		(void)v;
		for (p = keys; *p && strcmp(*p, k); p++)
			;
		if (!*p)
			return fail(c, arr, i, k, "unknown key (typo?)");
	}
	return 0;
}

static int get_flags(struct ctx *c, json_object *o, long i, uint32_t *out)
{
	static const char *const names[] = { "corridor", "room", "door", "dock" };
	json_object *v;
	size_t k, j;

	*out = 0;
	if (!json_object_object_get_ex(o, "flags", &v))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return fail(c, "nodes", i, "flags", "must be an array of names");
	for (k = 0; k < json_object_array_length(v); k++) {
		const char *s = json_object_get_string(json_object_array_get_idx(v, k));

		for (j = 0; j < 4 && (!s || strcmp(s, names[j])); j++)
			;
		if (j == 4)
			return fail(c, "nodes", i, "flags",
				    "unknown flag \"%s\" (corridor, room, door, dock)", s ? s : "?");
		*out |= 1u << j;
	}
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Index of @id among the sorted (id << 32 | position) keys, or -1. */
static long find_node(const uint64_t *keys, uint32_t n, uint32_t id)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint32_t mid_id = (uint32_t)(keys[mid] >> 32);

		if (mid_id == id)
			return (long)(uint32_t)keys[mid];
		if (mid_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

struct dedge {
	uint64_t key; /* from << 32 | to */
	long src;     /* edges[] index in the file */
};

static int dedge_cmp(const void *a, const void *b)
{
	const struct dedge *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->src < y->src ? -1 : x->src > y->src;
}

static int build(struct ctx *c, json_object *root, void **blob, size_t *blob_len)
{
	static const char *const top_keys[] = { "version", "nodes", "edges", "goal", "name",
						"comment", NULL };
	static const char *const node_keys[] = { "id", "x", "y", "flags", "visits", NULL };
	static const char *const edge_keys[] = { "from", "to", "cost", "bidirectional", NULL };
	struct spinal_graph_blob_hdr h = { 0 };
	struct spinal_graph_blob_node *bn = NULL;
	struct spinal_graph_blob_edge *be = NULL;
	struct dedge *de = NULL;
	uint64_t *keys = NULL;
	uint32_t *deg = NULL;
	json_object *nodes, *edges = NULL, *v;
	size_t nn, ne, i, nde = 0;
	unsigned char *b;
	int rc = -1;

	if (!json_object_is_type(root, json_type_object))
		return fail(c, NULL, -1, NULL, "top level must be an object");
	if (only_keys(c, root, NULL, -1, top_keys))
		return -1;
	if (!json_object_object_get_ex(root, "version", &v) || json_object_get_int(v) != 1)
		return fail(c, NULL, -1, "version", "must be 1");
	if (!json_object_object_get_ex(root, "nodes", &nodes) ||
	    !json_object_is_type(nodes, json_type_array))
		return fail(c, NULL, -1, "nodes", "missing or not an array");
	if (json_object_object_get_ex(root, "edges", &edges) &&
	    !json_object_is_type(edges, json_type_array))
		return fail(c, NULL, -1, "edges", "must be an array");
	nn = json_object_array_length(nodes);
	ne = edges ? json_object_array_length(edges) : 0;
	if (nn > SPINAL_GRAPH_MAX_NODES)
		return fail(c, NULL, -1, "nodes", "%zu nodes, at most %u", nn, SPINAL_GRAPH_MAX_NODES);
	if (ne > (size_t)SPINAL_GRAPH_MAX_NODES * SPINAL_GRAPH_MAX_DEGREE / 2)
		return fail(c, NULL, -1, "edges", "%zu edges: too many", ne);
	bn = calloc(nn + 1, sizeof(*bn));
	be = calloc(2 * ne + 1, sizeof(*be));
	de = calloc(2 * ne + 1, sizeof(*de));
	keys = calloc(nn + 1, sizeof(*keys));
	deg = calloc(nn + 1, sizeof(*deg));
	if (!bn || !be || !de || !keys || !deg) {
		fail(c, NULL, -1, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < nn; i++) {
		json_object *o = json_object_array_get_idx(nodes, i);
		float visits = 0;

		if (!json_object_is_type(o, json_type_object)) {
			fail(c, "nodes", (long)i, NULL, "must be an object {\"id\", \"x\", \"y\"}");
			goto out;
		}
		if (only_keys(c, o, "nodes", (long)i, node_keys) ||
		    get_id(c, o, "nodes", (long)i, "id", &bn[i].id) ||
		    get_num(c, o, "nodes", (long)i, "x", -SPINAL_CFG_COORD_MAX, SPINAL_CFG_COORD_MAX, 1, &bn[i].x) ||
		    get_num(c, o, "nodes", (long)i, "y", -SPINAL_CFG_COORD_MAX, SPINAL_CFG_COORD_MAX, 1, &bn[i].y) ||
		    get_num(c, o, "nodes", (long)i, "visits", 0, 4294967295.0, 0, &visits) < 0 ||
		    get_flags(c, o, (long)i, &bn[i].flags))
			goto out;
		bn[i].visits = (uint32_t)visits;
		keys[i] = (uint64_t)bn[i].id << 32 | i;
	}
	qsort(keys, nn, sizeof(*keys), id_cmp);
	for (i = 1; i < nn; i++)
		if (keys[i] >> 32 == keys[i - 1] >> 32) {
			fail(c, "nodes", (long)(uint32_t)keys[i], "id",
			     "duplicate id %u (also nodes[%u])", (uint32_t)(keys[i] >> 32),
			     (uint32_t)keys[i - 1]);
			goto out;
		}
	for (i = 0; i < ne; i++) {
		json_object *o = json_object_array_get_idx(edges, i);
		uint32_t from, to;
		float cost = 0;
		int bidir = 1;
		long fi, ti;

		if (!json_object_is_type(o, json_type_object)) {
			fail(c, "edges", (long)i, NULL, "must be an object {\"from\", \"to\"}");
			goto out;
		}
		if (only_keys(c, o, "edges", (long)i, edge_keys) ||
		    get_id(c, o, "edges", (long)i, "from", &from) ||
		    get_id(c, o, "edges", (long)i, "to", &to) ||
		    get_num(c, o, "edges", (long)i, "cost", 0, SPINAL_CFG_COST_MAX, 0, &cost) < 0)
			goto out;
		if (json_object_object_get_ex(o, "bidirectional", &v)) {
			if (!json_object_is_type(v, json_type_boolean)) {
				fail(c, "edges", (long)i, "bidirectional", "must be true or false");
				goto out;
			}
			bidir = json_object_get_boolean(v);
		}
		fi = find_node(keys, (uint32_t)nn, from);
		ti = find_node(keys, (uint32_t)nn, to);
		if (fi < 0 || ti < 0) {
			fail(c, "edges", (long)i, fi < 0 ? "from" : "to", "no node with id %u",
			     fi < 0 ? from : to);
			goto out;
		}
		if (from == to) {
			fail(c, "edges", (long)i, "to", "self loop on node %u", from);
			goto out;
		}
		be[nde] = (struct spinal_graph_blob_edge){ from, to, cost, 0 };
		de[nde++] = (struct dedge){ (uint64_t)from << 32 | to, (long)i };
		deg[fi]++;
		if (bidir) {
			be[nde] = (struct spinal_graph_blob_edge){ to, from, cost, 0 };
			de[nde++] = (struct dedge){ (uint64_t)to << 32 | from, (long)i };
			deg[ti]++;
		}
		if (deg[fi] > SPINAL_GRAPH_MAX_DEGREE || deg[ti] > SPINAL_GRAPH_MAX_DEGREE) {
			fail(c, "edges", (long)i, NULL, "node %u has more than %u edges",
			     deg[fi] > SPINAL_GRAPH_MAX_DEGREE ? from : to, SPINAL_GRAPH_MAX_DEGREE);
			goto out;
		}
	}
	qsort(de, nde, sizeof(*de), dedge_cmp);
	for (i = 1; i < nde; i++)
		if (de[i].key == de[i - 1].key) {
			fail(c, "edges", de[i].src, NULL, "duplicate edge %u -> %u (also edges[%ld])",
			     (uint32_t)(de[i].key >> 32), (uint32_t)de[i].key, de[i - 1].src);
			goto out;
		}
	h.goal_id = SPINAL_NODE_NONE;
	if (json_object_object_get_ex(root, "goal", &v) && !json_object_is_type(v, json_type_null)) {
		int64_t g = json_object_get_int64(v);

		if (!json_object_is_type(v, json_type_int) || g < 0 || g > SPINAL_NODE_ID_MAX ||
		    find_node(keys, (uint32_t)nn, (uint32_t)g) < 0) {
			fail(c, NULL, -1, "goal", "must be the id of a node in \"nodes\"");
			goto out;
		}
		h.goal_id = (uint32_t)g;
	}
	h.magic = SPINAL_GRAPH_BLOB_MAGIC;
	h.version = SPINAL_GRAPH_BLOB_VERSION;
	h.hdr_size = sizeof(h);
	h.nnodes = (uint32_t)nn;
	h.nedges = (uint32_t)nde;
	h.nodes_off = sizeof(h);
	h.edges_off = h.nodes_off + nn * sizeof(*bn);
	h.total_len = h.edges_off + nde * sizeof(*be);
	b = malloc(h.total_len);
	if (!b) {
		fail(c, NULL, -1, NULL, "out of memory");
		goto out;
	}
	memcpy(b, &h, sizeof(h));
	memcpy(b + h.nodes_off, bn, nn * sizeof(*bn));
	memcpy(b + h.edges_off, be, nde * sizeof(*be));
	*blob = b;
	*blob_len = h.total_len;
	rc = 0;
out:
	free(bn);
	free(be);
	free(de);
	free(keys);
	free(deg);
	return rc;
}

int spinal_graph_json_parse(const char *text, size_t len, const char *name, void **blob,
			    size_t *blob_len, char *err, size_t errlen)
{
	struct ctx c = { text, len, name, err, errlen };
	struct json_tokener *tok;
	json_object *root;
	enum json_tokener_error jerr;
	int rc;

	if (len > (64u << 20))
		return fail(&c, NULL, -1, NULL, "file larger than 64 MiB");
	tok = json_tokener_new();
	if (!tok)
		return fail(&c, NULL, -1, NULL, "out of memory");
	root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue)
		jerr = json_tokener_error_parse_eof;
	if (!root || jerr != json_tokener_success) {
		size_t off = json_tokener_get_parse_end(tok);

		snprintf(err, errlen, "%s:%u: JSON syntax error: %s", name,
			 line_at(text, off < len ? off : len), json_tokener_error_desc(jerr));
		json_object_put(root);
		json_tokener_free(tok);
		return -1;
	}
	json_tokener_free(tok);
	rc = build(&c, root, blob, blob_len);
	json_object_put(root);
	return rc;
}

int spinal_graph_json_load(const char *path, void **blob, size_t *blob_len, char *err,
			   size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	if (!f) {
		snprintf(err, errlen, "%s: cannot open graph file: %s", path, strerror(errno));
		return -1;
	}
	do {
		if (len + 65536 > cap) {
			char *t = realloc(text, cap = cap * 2 + 65536);

			if (!t) {
				free(text);
				fclose(f);
				snprintf(err, errlen, "%s: out of memory", path);
				return -1;
			}
			text = t;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
	} while (n > 0 && len < (65u << 20));
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		fclose(f);
		free(text);
		return -1;
	}
	fclose(f);
	rc = spinal_graph_json_parse(text, len, path, blob, blob_len, err, errlen);
	free(text);
	return rc;
}
