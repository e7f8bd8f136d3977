// SPDX-License-Identifier: MIT
/*
 * spinal-model: check a NIR model before deploying it, on the same C engine
 * (rtcore/sps*.c) and the same importer (userspace/nir*.c) the core and the
 * agent use.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/model_blob.h>

#include "rtcore/sps.h"
#include "userspace/nir.h"

static const char usage[] =
"Usage: spinal-model info FILE [OPTIONS]\n"
"       spinal-model run FILE --dt SECONDS --input IN.csv --output OUT.csv\n"
"                            [--trace-voltage] [OPTIONS]\n"
"       spinal-model blob FILE --dt SECONDS --output MODEL.blob [OPTIONS]\n"
"\n"
"Check a NIR model (HDF5) with the engine spinal-core runs.\n"
"\n"
"Commands:\n"
"  info    list the nodes, shapes and edges of FILE, anything unsupported,\n"
"          and, if it can be lowered, the discretisation that will be used,\n"
"          the neuron layers in engine order (the L<k> of run), the layer\n"
"          and neuron counts, the blob size and the model id.\n"
"  run     step the model once per line of IN.csv (one feature vector per\n"
"          line, comma-separated; a first line that is not numeric is a\n"
"          header) and write one line per step to OUT.csv: the step number\n"
"          and the outputs; with --trace-voltage also every neuron's\n"
"          membrane voltage (L<k>.v<j>) and output (L<k>.z<j>: spike 0/1,\n"
"          or v for non-spiking layers).\n"
"  blob    write the flat model blob the agent would send to the core.\n"
"\n"
"Options:\n"
"  --dt SECONDS          loop period; the model is discretised with it unless\n"
"                        --model-dt is given.\n"
"  --model-dt SECONDS    discretisation step the model was trained with\n"
"                        (snnTorch exports: inferred as tau/r; Rockpool: from\n"
"                        r = tau exp(-dt/tau)/dt; Norse: 1e-3; Sinabs: one\n"
"                        step per tick, dt only recorded).\n"
"  --convention NAME     the framework's equations: nir | snntorch | norse |\n"
"                        rockpool | sinabs (docs/model.md).  Default: the\n"
"                        file's spinal_convention attribute, else nir; an\n"
"                        option that contradicts the attribute is an error.\n"
"  --reset MODE          value | subtract | subtract-delayed | subtract-multi;\n"
"                        default: value (nir, norse), subtract-delayed\n"
"                        (snntorch), subtract-multi (rockpool, sinabs).\n"
"  --context N           ticks of temporal context kept by the plan (16).\n"
"  -h, --help            this text.\n"
"\n"
"Exit status: 0 on success, 1 on a model or input error (the message says\n"
"which node or line), 2 on a usage error.\n";

struct args {
	const char *cmd, *file, *in, *out;
	struct nir_opts o;
	double dt, model_dt;
	int trace;
};

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option lo[] = {
		{ "dt", required_argument, NULL, 'd' },
		{ "model-dt", required_argument, NULL, 'm' },
		{ "convention", required_argument, NULL, 'c' },
		{ "reset", required_argument, NULL, 'r' },
		{ "context", required_argument, NULL, 'x' },
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "trace-voltage", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	a->o.convention = NIR_CONV_FILE;
	a->o.reset = NIR_RESET_DEFAULT;
	a->o.context_len = 16;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
		case 'm':
			errno = 0;
			*(c == 'd' ? &a->dt : &a->model_dt) = strtod(optarg, &end);
			if (errno || *end || !(*(c == 'd' ? &a->dt : &a->model_dt) > 0)) {
				fprintf(stderr, "spinal-model: bad --%s '%s': want seconds > 0\n",
					c == 'd' ? "dt" : "model-dt", optarg);
				return 2;
			}
			break;
		case 'c':
			a->o.convention = nir_convention_parse(optarg);
			if (a->o.convention < NIR_CONV_FILE) {
				fprintf(stderr, "spinal-model: unknown convention '%s' (nir, snntorch, norse, rockpool, sinabs)\n",
					optarg);
				return 2;
			}
			break;
		case 'r':
			a->o.reset = nir_reset_parse(optarg);
			if (a->o.reset < 0) {
				fprintf(stderr, "spinal-model: unknown reset '%s' (value, subtract, subtract-delayed, subtract-multi)\n",
					optarg);
				return 2;
			}
			break;
		case 'x':
			a->o.context_len = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || a->o.context_len > SPINAL_MODEL_MAX_CONTEXT) {
				fprintf(stderr, "spinal-model: bad --context '%s' (0..%u)\n",
					optarg, SPINAL_MODEL_MAX_CONTEXT);
				return 2;
			}
			break;
		case 'i':
			a->in = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 't':
			a->trace = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		fputs(usage, stderr);
		return 2;
	}
	a->cmd = argv[optind];
	a->file = argv[optind + 1];
	a->o.dt = a->model_dt > 0 ? a->model_dt : a->dt;
	return 0;
}

static int cmd_info(struct args *a)
{
	char err[512];
	struct nir_graph *g = nir_read(a->file, err, sizeof(err));
	struct sps_plan *pl;
	void *blob;
	size_t len;
	double dt;
	int ret;

	if (!g) {
		fprintf(stderr, "spinal-model: %s\n", err);
		return 1;
	}
	nir_graph_print(g, stdout);
	ret = nir_graph_lower(g, &a->o, &blob, &len, &dt, err, sizeof(err));
	if (ret && !(a->o.dt > 0)) {
		a->o.dt = 1e-3;
		printf("dt:       none given; showing dt = 1 ms (pass --dt)\n");
		ret = nir_graph_lower(g, &a->o, &blob, &len, &dt, err, sizeof(err));
	}
	if (ret) {
		printf("lowering: FAILED: %s\n", err);
		nir_graph_free(g);
		return 1;
	}
	for (unsigned int k = 0; nir_graph_layer_name(g, k); k++)
		printf("layer L%u: %s\n", k, nir_graph_layer_name(g, k));
	pl = sps_plan_create(blob, len, -1, err, sizeof(err));
	if (!pl) {
		printf("plan: FAILED: %s\n", err);
		free(blob);
		return 1;
	}
	{
		const struct spinal_model_hdr *h = blob;
		int conv = nir_graph_convention(g);

		printf("discretisation: %s, dt %g s, convention %s, reset %s\n",
		       conv == NIR_CONV_SINABS ? "one step per tick (exact decay)" :
		       conv == NIR_CONV_ROCKPOOL ? "exact exponential decay" :
		       "forward Euler", dt, nir_convention_name(conv),
		       nir_reset_name(nir_graph_reset(g)));
		printf("nir:      version %u.%u.%u recorded in the blob (ABI %u.%u)\n",
		       h->nir_version[0], h->nir_version[1], h->nir_version[2],
		       h->abi_major, h->abi_minor);
	}
	nir_graph_free(g);
	printf("inputs:   %zu\noutputs:  %zu\nlayers:   %u\nneurons:  %zu\n",
	       sps_plan_n_inputs(pl), sps_plan_n_outputs(pl),
	       sps_plan_layers(pl), sps_plan_neurons(pl));
	printf("ops:      %u\nblob:     %zu bytes\nplan:     %zu bytes\n",
	       ((const struct spinal_model_hdr *)blob)->n_ops, len,
	       sps_plan_bytes(pl));
	printf("model id: %016llx\n", (unsigned long long)sps_plan_model_id(pl));
	if (sps_plan_n_outputs(pl) >= 3)
		printf("readout:  out[0]=v out[1]=omega out[2]=confidence\n");
	sps_plan_destroy(pl);
	free(blob);
	return 0;
}

/* One CSV line into v[n]; returns the count, -1 on a bad number. */
static long parse_line(char *line, float *v, size_t n)
{
	size_t k = 0;
	char *p = line, *end;

	while (*p && *p != '\n' && *p != '\r') {
		double d;

		errno = 0;
		d = strtod(p, &end);
		if (end == p || errno)
			return -1;
		if (k < n)
			v[k] = (float)d;
		k++;
		p = end;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ',')
			p++;
		else if (*p && *p != '\n' && *p != '\r')
			return -1;
	}
	return (long)k;
}

static int cmd_run(struct args *a, int blob_only)
{
	char err[512], *line = NULL;
	struct sps_plan *pl = NULL;
	FILE *in = NULL, *out = NULL;
	float *x = NULL, *y = NULL;
	size_t len, cap = 0, nin, nout;
	void *blob = NULL;
	long lineno = 0, step = 0;
	int ret = 1;

	if (!a->out || (!blob_only && !a->in)) {
		fprintf(stderr, "spinal-model: %s needs %s--output\n", a->cmd,
			blob_only ? "" : "--input and ");
		return 2;
	}
	if (nir_load_blob_opts(a->file, &a->o, &blob, &len, err, sizeof(err))) {
		fprintf(stderr, "spinal-model: %s\n", err);
		return 1;
	}
	out = fopen(a->out, "w");
	if (!out) {
		fprintf(stderr, "spinal-model: cannot create %s: %s\n", a->out,
			strerror(errno));
		goto done;
	}
	if (blob_only) {
		ret = fwrite(blob, 1, len, out) == len ? 0 : 1;
		goto done;
	}
	pl = sps_plan_create(blob, len, -1, err, sizeof(err));
	if (!pl) {
		fprintf(stderr, "spinal-model: %s\n", err);
		goto done;
	}
	in = fopen(a->in, "r");
	if (!in) {
		fprintf(stderr, "spinal-model: cannot open %s: %s\n", a->in,
			strerror(errno));
		goto done;
	}
	nin = sps_plan_n_inputs(pl);
	nout = sps_plan_n_outputs(pl);
	x = calloc(nin, sizeof(float));
	y = calloc(nout, sizeof(float));
	if (!x || !y)
		goto done;
	fprintf(out, "step");
	for (size_t j = 0; j < nout; j++)
		fprintf(out, ",out%zu", j);
	for (unsigned int l = 0; a->trace && l < sps_plan_layers(pl); l++) {
		const float *v, *z;
		size_t n;

		sps_plan_layer_state(pl, l, &v, &z, &n);
		for (size_t j = 0; j < n; j++)
			fprintf(out, ",L%u.v%zu", l, j);
		for (size_t j = 0; j < n; j++)
			fprintf(out, ",L%u.z%zu", l, j);
	}
	fprintf(out, "\n");
	while (getline(&line, &cap, in) > 0) {
		long k;
		int r;

		lineno++;
		if (line[0] == '\n' || line[0] == '#')
			continue;
		k = parse_line(line, x, nin);
		if (k < 0 && lineno == 1)
			continue; /* header */
		if (k != (long)nin) {
			fprintf(stderr, "spinal-model: %s:%ld: %s%ld values, the model has %zu inputs\n",
				a->in, lineno, k < 0 ? "not a number; " : "",
				k < 0 ? 0 : k, nin);
			goto done;
		}
		r = sps_plan_step(pl, x, nin, y, nout);
		if (r == -EINVAL) {
			fprintf(stderr, "spinal-model: %s:%ld: input rejected (not finite)\n",
				a->in, lineno);
			goto done;
		}
		if (r == -EDOM)
			fprintf(stderr, "spinal-model: %s:%ld: warning: output not finite\n",
				a->in, lineno);
		fprintf(out, "%ld", step++);
		for (size_t j = 0; j < nout; j++)
			fprintf(out, ",%.9g", (double)y[j]);
		for (unsigned int l = 0; a->trace && l < sps_plan_layers(pl); l++) {
			const float *v, *z;
			size_t n;

			sps_plan_layer_state(pl, l, &v, &z, &n);
			for (size_t j = 0; j < n; j++)
				fprintf(out, ",%.9g", (double)v[j]);
			for (size_t j = 0; j < n; j++)
				fprintf(out, ",%.9g", (double)z[j]);
		}
		fprintf(out, "\n");
	}
	ret = 0;
done:
	if (out && fclose(out) && !ret) {
		fprintf(stderr, "spinal-model: writing %s: %s\n", a->out,
			strerror(errno));
		ret = 1;
	}
	if (in)
		fclose(in);
	free(line);
	free(x);
	free(y);
	sps_plan_destroy(pl);
	free(blob);
	return ret;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	int ret = parse(argc, argv, &a);

	if (ret)
		return ret;
	if (!strcmp(a.cmd, "info"))
		return cmd_info(&a);
	if (!strcmp(a.cmd, "run"))
		return cmd_run(&a, 0);
	if (!strcmp(a.cmd, "blob"))
		return cmd_run(&a, 1);
	fprintf(stderr, "spinal-model: unknown command '%s' (info, run, blob)\n",
		a.cmd);
	return 2;
}
