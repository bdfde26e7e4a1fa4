// Package gpt2 is GPT-2 itself — the Hugging Face checkpoints gpt2,
// gpt2-medium, gpt2-large and gpt2-xl, or any checkpoint in their layout — as
// plain Go: what its parts are and what they are called. It does not import
// GoMLX, so that programs that only read and analyse taps (the notebooks'
// analysis cells) link none of it; package model runs the forward pass.
//
// One file each:
//
//   - config.go: the hyper-parameters (presets and Hugging Face config.json);
//   - params.go: the one table of weights and shapes, which the loader, random
//     checkpoints and BlockMatmuls (the forward's matrix products) read;
//   - points.go: the tap points (Kind at a layer) and their one table of names,
//     Hugging Face and TransformerLens;
//   - weights.go: the checkpoint's safetensors files to F32 weights, with every
//     checkpoint quirk (prefix, buffers, shards, F16/BF16) handled there only;
//   - encoding.go, input.go: tokens (Encoding, TokenLabel) and what GPT-2
//     reads (Input: a text, ids or tokens), as plain data; GPT-2's byte-level
//     BPE that makes them is package tokenizer (its tables are large, and the
//     programs that only read taps do not link them).
//
// Where a checkpoint directory comes from (the Hugging Face Hub cache, or
// random weights) is package checkpoints; what the blocks write into the
// residual stream is captured by package model and held by package taps.
package gpt2
