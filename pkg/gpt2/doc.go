// Package gpt2 runs GPT-2 — the Hugging Face checkpoints gpt2, gpt2-medium,
// gpt2-large and gpt2-xl, or any checkpoint in their layout — on GoMLX.
//
// The data path, one file each:
//
//   - config.go: the hyper-parameters (presets and Hugging Face config.json);
//   - params.go: the one table of weights and shapes, which the loader, random
//     checkpoints and BlockMatmuls (the forward's matrix products) read;
//   - points.go: the tap points (Kind at a layer) and their one table of names,
//     Hugging Face and TransformerLens;
//   - resolve.go: a model argument (a directory or a Hub id) to a local directory,
//     through the Hugging Face cache that Python's huggingface_hub also uses
//     (the cache client itself is internal/hfcache);
//   - weights.go: the checkpoint's safetensors files to F32 weights, with every
//     checkpoint quirk (prefix, buffers, shards, F16/BF16) handled there only;
//   - tokenizer.go: GPT-2's byte-level BPE (tiktoken-go's r50k_base);
//   - model.go: the weights on a backend, as context variables scoped by their
//     Hugging Face module paths (/h/3/attn/c_proj/weight);
//   - forward.go: the forward pass, x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)),
//     calling a TapFn at every tap point;
//   - rowsplit.go: how token-wise work is cut into pieces for the pure-Go
//     backend, the only backend-specific code of the model;
//   - randomcheckpoint.go: deterministic random checkpoints in the exact
//     Hugging Face layout, for tests, benchmarks and smoke runs.
//
// What the blocks write into the residual stream is captured by package
// github.com/gpt2taps/gpt2taps/pkg/taps.
package gpt2
