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
 * E2BIG: over a bound, ENOMEM) and a one-line reason in err. */
struct sps_plan *sps_plan_create(const void *blob, size_t len, int numa_node,
				 char *err, size_t errlen);

/* Any non-RT thread, after the RT thread can no longer see the plan.
 * NULL is a no-op. */
void sps_plan_destroy(struct sps_plan *plan);

/* Any thread; pure, not RT-relevant.  Returns 0 if the blob is valid, else
 * -EINVAL / -E2BIG with a one-line reason in err.  sps_plan_create() calls
 * it; exported for the agent, tools and the fuzzer. */
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
