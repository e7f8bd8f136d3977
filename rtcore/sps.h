/* SPDX-License-Identifier: MIT */
/*
 * SPS, the spiking policy engine.
 *
 * A model blob (include/spinal/model_blob.h) is validated and compiled into
 * a plan on the updater thread; the RT thread steps the plan once per tick.
 * A plan owns every byte it touches while stepping (weights re-laid out for
 * vectorised loops, membrane state, temporal context), allocated once, 64-byte
 * aligned and on the requested NUMA node.  A plan is used by one thread at a
 * time: publish it with rcu_assign_pointer() and free it after a grace period
 * (call_rcu); never step one plan from two threads.
 *
 * Readout convention (control pipeline, docs/model.md): with n_outputs >= 3,
 * out[0] = linear velocity v (m/s), out[1] = angular velocity omega (rad/s),
 * out[2] = confidence (clamped to [0, 1] by sps_readout()).  With exactly two
 * outputs the confidence is 1.
 */
#ifndef SPINAL_RTCORE_SPS_H
#define SPINAL_RTCORE_SPS_H

#include <stddef.h>
#include <stdint.h>

struct sps_plan;

struct sps_readout {
	float v;
	float omega;
	float confidence;
};

/* Updater thread (or any non-RT thread); not RT-safe (allocates).
 * Validates the blob completely and compiles a plan whose buffers live on
 * numa_node (-1: no preference).  The plan starts in the reset state.
 * Returns the plan, or NULL with errno set (EINVAL: malformed blob,
 * E2BIG: over a bound, ENOMEM) and a one-line reason in err.  No budget:
 * the core uses sps_plan_create_bounded(). */
struct sps_plan *sps_plan_create(const void *blob, size_t len, int numa_node,
				 char *err, size_t errlen);

/*
 * The cost model (docs/model.md).  Per-tick work is counted in multiply-add
 * equivalents ("MACs"), worst case (every input non-zero, every lane of the
 * 16-float padding computed), op by op by sps_op_cost(); the plan's memory
 * is its arena exactly as sps_plan_create() lays it out (shared parameter
 * ranges counted once).  The core's budget is derived from its period:
 * SPS may use half of it at SPS_MACS_PER_NS_REF multiply-adds per ns (a
 * modest core streaming float32 weights from DRAM), i.e. 500 MACs per us of
 * period; spinal-core --sps-budget-macs overrides it up to the ceiling of
 * the whole period at SPS_MACS_PER_NS_CEIL.
 */
#define SPS_MACS_PER_NS_REF 1   /* reference throughput of the budget */
#define SPS_BUDGET_SHARE_PCT 50 /* share of the period SPS may use */
#define SPS_MACS_PER_NS_CEIL 8  /* no host we run on sustains more */
#define SPS_OP_OVERHEAD_MACS 16 /* dispatch and loop set-up of one op */
#define SPS_MEM_DEFAULT_MB 64   /* plan arena default: one op of 16 Mi weights */
#define SPS_MEM_CEIL_MB 1024

/* The default per-tick budget for a loop period of @period_us. */
static inline uint64_t sps_budget_macs(uint64_t period_us)
{
	return period_us * 1000u * SPS_MACS_PER_NS_REF * SPS_BUDGET_SHARE_PCT / 100u;
}

/* The most --sps-budget-macs may give at @period_us. */
static inline uint64_t sps_budget_macs_ceiling(uint64_t period_us)
{
	return period_us * 1000u * SPS_MACS_PER_NS_CEIL;
}

struct spinal_model_op;

/* Why a blob was refused (sps_plan_create_bounded()). */
enum sps_refusal {
	SPS_REFUSE_NONE = 0,
	SPS_REFUSE_INVALID,  /* breaks a format rule (err says which) */
	SPS_REFUSE_SHARED,   /* parameter ranges overlap other than whole */
	SPS_REFUSE_WORK,     /* more multiply-adds per tick than the budget */
	SPS_REFUSE_MEMORY,   /* plan larger than the memory budget */
	SPS_REFUSE_INPUTS,   /* input count is not the one required */
	SPS_REFUSE_OUTPUTS,  /* output count outside the range required */
	SPS_REFUSE_NOMEM,    /* allocation failed */
};

/* What a plan costs; filled by sps_blob_cost() and sps_plan_create_bounded(). */
struct sps_cost {
	uint64_t macs;          /* per tick, worst case */
	uint64_t arena_bytes;   /* plan memory */
	uint64_t worst_op_macs; /* the most expensive op ... */
	unsigned int worst_op;  /* ... and its index */
	uint32_t n_inputs, n_outputs;
	int refusal;            /* enum sps_refusal */
};

/* What the caller accepts (0: no limit for that field). */
struct sps_limits {
	uint64_t max_macs;
	uint64_t max_arena_bytes;
	uint32_t period_us;     /* named in the reason, 0: not said */
	uint32_t n_inputs;      /* required input count, 0: any */
	uint32_t min_outputs, max_outputs; /* output count range, 0: any */
};

/*
 * sps_op_cost - worst-case multiply-adds of one op per tick.  Any thread,
 * pure; @op has passed validation.  New op types add their case here.
 */
uint64_t sps_op_cost(const struct spinal_model_op *op);

/*
 * sps_blob_cost - the cost of a blob that sps_blob_validate() accepted
 * (8-aligned private copy).  Any thread, pure.
 */
void sps_blob_cost(const void *blob, struct sps_cost *cost);

/*
 * sps_plan_create_bounded - sps_plan_create() that refuses, before it
 * allocates anything for the plan, a blob over @lim (NULL: no limits).
 * Updater thread.  NULL + errno (EINVAL malformed or wrong shape, E2BIG over
 * a budget, ENOMEM) and a one-line reason naming the numbers in @err
 * ("model needs 4.1 M multiply-adds per tick; budget at 1000 us is 0.5 M");
 * @cost (may be NULL) gets the numbers and the refusal.
 */
struct sps_plan *sps_plan_create_bounded(const void *blob, size_t len, int numa_node,
					 const struct sps_limits *lim, struct sps_cost *cost,
					 char *err, size_t errlen);

/* Any non-RT thread, after the RT thread can no longer see the plan.
 * NULL is a no-op. */
void sps_plan_destroy(struct sps_plan *plan);

/* Any non-RT thread; pure.  Returns 0 if the blob is valid, else -EINVAL /
 * -E2BIG (-ENOMEM: no memory for the check) with a one-line reason in err.
 * sps_plan_create() calls it; exported for the agent, tools and the fuzzer. */
int sps_blob_validate(const void *blob, size_t len, char *err, size_t errlen);

/* RT thread; RT-safe (no allocation, syscall or lock).  Zeroes membrane and
 * synaptic state, spikes, every buffer and the temporal context. */
void sps_plan_reset(struct sps_plan *plan);

/* RT thread; RT-safe.  One tick: in[nin] is the feature vector, out[nout]
 * receives the n_outputs outputs (nout may be larger; the rest is left
 * alone).  Returns 0; -EINVAL if nin != n_inputs, nout < n_outputs or an
 * input is not finite (state untouched); -EDOM if an output is not finite
 * (state advanced, outputs written, the caller must not use them). */
int sps_plan_step(struct sps_plan *plan, const float *in, size_t nin,
		  float *out, size_t nout);

/* RT thread; RT-safe.  Maps outputs of the last step to the readout
 * convention above.  Returns 0, or -ENODATA if the model has fewer than two
 * outputs or no step has run since the last reset. */
int sps_readout(const struct sps_plan *plan, struct sps_readout *r);

/* Any thread holding the plan; RT-safe.  The temporal context: the inputs
 * and outputs of the tick `age` ticks ago (0 = the last one).  Returns 0, or
 * -ENOENT if the plan has not run that many ticks or keeps fewer. */
int sps_plan_context(const struct sps_plan *plan, unsigned int age,
		     const float **in, const float **out);

/* Accessors: any thread holding the plan; RT-safe. */
size_t sps_plan_n_inputs(const struct sps_plan *plan);
size_t sps_plan_n_outputs(const struct sps_plan *plan);
unsigned int sps_plan_layers(const struct sps_plan *plan);  /* neuron ops */
size_t sps_plan_neurons(const struct sps_plan *plan);
uint64_t sps_plan_model_id(const struct sps_plan *plan);    /* blob hash */
unsigned int sps_plan_context_len(const struct sps_plan *plan);
uint64_t sps_plan_ticks(const struct sps_plan *plan);       /* since reset */
double sps_plan_dt(const struct sps_plan *plan);            /* seconds */
size_t sps_plan_bytes(const struct sps_plan *plan);         /* arena size */

/* Tracing (tools, tests): state of neuron layer `layer` (0-based in program
 * order).  *v = membrane voltages, *z = the layer's output (spikes for
 * spiking layers, else v again), *n = width.  Returns 0 or -ENOENT. */
int sps_plan_layer_state(const struct sps_plan *plan, unsigned int layer,
			 const float **v, const float **z, size_t *n);

#endif /* SPINAL_RTCORE_SPS_H */
