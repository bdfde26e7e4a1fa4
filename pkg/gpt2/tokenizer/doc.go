// Package tokenizer is GPT-2's byte-level BPE: the vocabulary and merges of
// the Hugging Face "gpt2" checkpoints, which are tiktoken's r50k_base
// encoding (github.com/tiktoken-go/tokenizer), and Encode, which turns a
// gpt2.Input (a text, ids or tokens) into the checked tokens a capture runs
// on.
//
// It is a package of its own because its vocabulary tables are large: the
// programs that only read and draw taps (the notebooks' analysis cells) do
// not link it, and build faster for it.
package tokenizer
