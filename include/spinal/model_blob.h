/* SPDX-License-Identifier: MIT */
/*
 * spinal model blob: the flat, versioned, little-endian form of a spiking
 * policy network.  The agent (userspace/nir.c) lowers a NIR graph into this
 * form; the core copies it out of the staging area, validates every field
 * (rtcore/sps_validate.c) and compiles an execution plan from it.
 *
 * Layout (all offsets in bytes from the start of the blob, all integers
 * little-endian, all floats IEEE-754 binary32):
 *
 *   struct spinal_model_hdr                  at 0, hdr_size bytes
 *   uint32_t buf_size[n_bufs]                at bufs_off
 *   struct spinal_model_op op[n_ops]         at ops_off
 *   float data[data_size / 4]                at data_off (64-byte aligned)
 *
 * The program is a list of ops executed in order once per tick.  Ops read
 * one buffer (a vector of floats) and write another.  Buffer 0 is the input
 * (the feature vector); buffer out_buf holds the outputs after the last op.
 * Buffers keep their value from one tick to the next, so an op flagged
 * SPINAL_OPF_DELAYED reads the value its writer produced in the previous tick
 * (recurrent edges); such a buffer must be written by a neuron op, so every
 * cycle goes through state.  Parameter arrays are addressed by float index
 * into data[] and each starts on a 16-float (64-byte) boundary.
 *
 * See docs/model.md for the discretisation and the reset semantics.
 *
 * ABI rules: a major bump breaks readers; a minor bump only uses reserved
 * fields or flag bits that old readers reject anyway.
 */
#ifndef SPINAL_MODEL_BLOB_H
#define SPINAL_MODEL_BLOB_H

#include <stddef.h>
#include <stdint.h>

#define SPINAL_MODEL_MAGIC 0x4d535053u /* "SPSM" read as little-endian */
#define SPINAL_MODEL_ABI_MAJOR 1
#define SPINAL_MODEL_ABI_MINOR 1 /* 1.1: lowering record, subtract-multi */

/* Hard bounds the validator enforces. */
#define SPINAL_MODEL_MAX_BYTES (64u << 20) /* whole blob */
#define SPINAL_MODEL_MAX_OPS 256
#define SPINAL_MODEL_MAX_BUFS 256
#define SPINAL_MODEL_MAX_WIDTH 65536       /* floats per buffer */
#define SPINAL_MODEL_MAX_WEIGHTS (16u << 20) /* n_in * n_out of one op */
#define SPINAL_MODEL_MAX_CONTEXT 1024      /* temporal context ticks */
#define SPINAL_MODEL_MAX_ABS 1e6f          /* |parameter| */
#define SPINAL_MODEL_ALIGN_FLOATS 16       /* 64 bytes */

enum spinal_model_op_type {
	SPINAL_OP_MATVEC = 1, /* out = W in (+ bias); Affine, Linear */
	SPINAL_OP_SCALE = 2,  /* out = s .* in; Scale */
	SPINAL_OP_ADD = 3,    /* out = in; identity edge, fan-in sum */
	SPINAL_OP_NEURON = 4, /* LIF, CubaLIF, LI, CubaLI, IF, I */
};

/* Op flags (any op). */
#define SPINAL_OPF_ACC (1u << 0)      /* out += result instead of out = */
#define SPINAL_OPF_DELAYED (1u << 1)  /* in is last tick's value */
/* SPINAL_OP_MATVEC */
#define SPINAL_OPF_BIAS (1u << 2)     /* param[1] is a bias */
/* SPINAL_OP_NEURON */
#define SPINAL_OPF_SYN (1u << 3)      /* synaptic current state (Cuba*) */
#define SPINAL_OPF_SPIKE (1u << 4)    /* threshold + reset, out = spikes;
				       * else out = v */
#define SPINAL_OPF_SYN_AFTER (1u << 5) /* v uses last tick's current (Norse) */
#define SPINAL_OPF_RESET_SHIFT 6      /* 2 bits: enum spinal_model_reset */
#define SPINAL_OPF_RESET_MASK (3u << SPINAL_OPF_RESET_SHIFT)
#define SPINAL_OPF_ALL 0xffu

enum spinal_model_reset {
	SPINAL_RESET_VALUE = 0,    /* v = v_reset on spike (NIR, Norse) */
	SPINAL_RESET_SUBTRACT = 1, /* v -= v_threshold on spike */
	SPINAL_RESET_SUBTRACT_DELAYED = 2, /* subtract on the next tick
					    * (snnTorch reset_delay) */
	SPINAL_RESET_SUBTRACT_MULTI = 3, /* ABI 1.1: z = v >= THR ?
					  * min(floor(v / THR), 65536) : 0,
					  * v -= z * THR (Rockpool, Sinabs
					  * multi-spike); THR > 0 */
};

#define SPINAL_MODEL_MAX_SPIKES 65536.0f /* per neuron and tick, MULTI */

/*
 * ABI 1.1: how the agent lowered the model (header "lowering record").
 * The engine runs the ops as they are; these fields say which equations the
 * coefficients encode, so an operator (spinal-inspect, spinal-model info)
 * can tell a Rockpool model from an snnTorch one.  A 1.0 blob has zeros
 * here: convention nir, reset value, NIR version unknown.
 */
enum spinal_model_convention {
	SPINAL_CONV_NIR = 0,      /* NIR ODEs, forward Euler */
	SPINAL_CONV_SNNTORCH = 1, /* beta*v + x, subtract one tick late */
	SPINAL_CONV_NORSE = 2,    /* forward Euler, current after v */
	SPINAL_CONV_ROCKPOOL = 3, /* exact exp decay, multi-spike subtract */
	SPINAL_CONV_SINABS = 4,   /* per tick (dt = 1 step), multi-spike */
	SPINAL_CONV_COUNT = 5,
};

/* Neuron op parameter slots (each an array of n_out floats):
 *   v  = DM*v + BM*i + CM            (i = synaptic current or input)
 *   i  = DS*i + BS*in                (SPINAL_OPF_SYN only)
 *   z  = v > THR, then reset          (SPINAL_OPF_SPIKE only) */
enum spinal_model_neuron_param {
	SPINAL_NP_DM = 0,
	SPINAL_NP_BM = 1,
	SPINAL_NP_CM = 2,
	SPINAL_NP_THR = 3,
	SPINAL_NP_VRESET = 4,
	SPINAL_NP_DS = 5,
	SPINAL_NP_BS = 6,
	SPINAL_NP_COUNT = 7,
};

#define SPINAL_MODEL_NPARAM 8
#define SPINAL_MODEL_NO_PARAM 0xffffffffu

struct spinal_model_op {
	uint16_t type;       /* enum spinal_model_op_type */
	uint16_t flags;      /* SPINAL_OPF_* */
	uint32_t in_buf;
	uint32_t out_buf;
	uint32_t n_in;       /* == buf_size[in_buf] */
	uint32_t n_out;      /* == buf_size[out_buf] */
	uint32_t param[SPINAL_MODEL_NPARAM]; /* float index into data[], or
					      * SPINAL_MODEL_NO_PARAM */
	uint32_t reserved[3];                /* 0 */
};

struct spinal_model_hdr {
	uint32_t magic;      /* SPINAL_MODEL_MAGIC */
	uint16_t abi_major;  /* SPINAL_MODEL_ABI_MAJOR */
	uint16_t abi_minor;
	uint32_t hdr_size;   /* sizeof(struct spinal_model_hdr) */
	uint32_t total_size; /* bytes of the whole blob */
	uint32_t n_inputs;   /* == buf_size[0] */
	uint32_t n_outputs;  /* == buf_size[out_buf] */
	uint32_t n_bufs;
	uint32_t n_ops;
	uint32_t n_layers;   /* number of neuron ops */
	uint32_t n_neurons;  /* sum of n_out over neuron ops */
	uint32_t out_buf;
	uint32_t context_len; /* ticks of temporal context the plan keeps */
	uint32_t bufs_off;
	uint32_t ops_off;
	uint32_t data_off;
	uint32_t data_size;  /* bytes, multiple of 4 */
	float dt;            /* seconds the model was discretised for */
	uint32_t flags;      /* 0 */
	/* lowering record (ABI 1.1; zeros in a 1.0 blob) */
	uint16_t convention; /* enum spinal_model_convention */
	uint16_t reset;      /* enum spinal_model_reset the spiking ops use
			      * unless their flags say otherwise */
	uint16_t nir_version[3]; /* major, minor, patch of the NIR file;
				  * 0.0.0: the file had none */
	uint16_t pad0;       /* 0 */
	uint32_t reserved[11]; /* 0 */
};

_Static_assert(sizeof(struct spinal_model_op) == 64, "op ABI");
_Static_assert(sizeof(struct spinal_model_hdr) == 128, "header ABI");
_Static_assert(offsetof(struct spinal_model_hdr, convention) == 72, "header ABI");
_Static_assert(offsetof(struct spinal_model_hdr, nir_version) == 76, "header ABI");
_Static_assert(offsetof(struct spinal_model_hdr, reserved) == 84, "header ABI");

/* Readout convention of the control pipeline (docs/model.md). */
#define SPINAL_MODEL_OUT_V 0
#define SPINAL_MODEL_OUT_OMEGA 1
#define SPINAL_MODEL_OUT_CONFIDENCE 2

/* The model id: 64-bit FNV-1a of every byte of the blob. */
static inline uint64_t spinal_model_hash(const void *blob, size_t len)
{
	const unsigned char *p = blob;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#endif /* SPINAL_MODEL_BLOB_H */
