// Package taps captures what GPT-2's blocks write into the residual stream.
//
// A tap point is a named intermediate value of the forward pass. Names follow
// the Hugging Face module paths; TransformerLens hook names are accepted as
// aliases:
//
//	name                 alias (TransformerLens)           shape per point
//	h.{l}.attn.c_proj    blocks.{l}.hook_attn_out          [T,D]  attention's adjustment
//	h.{l}.mlp.c_proj     blocks.{l}.hook_mlp_out           [T,D]  the MLP's adjustment
//	hidden_states.{i}    blocks.{i}.hook_resid_pre (i<L),  [T,D]  HF output_hidden_states:
//	                     ln_final.hook_normalized (i=L)           0 = embeddings, i = input of
//	                                                              block i, L = after ln_f
//	h.{l}.resid_mid      blocks.{l}.hook_resid_mid         [T,D]
//	h.{l}.resid_post     blocks.{l}.hook_resid_post        [T,D]  block output (before ln_f)
//	h.{l}.attn.pattern   blocks.{l}.attn.hook_pattern      [H,T,T]
//	h.{l}.mlp.act        blocks.{l}.mlp.hook_post          [T,I]
//
// The points of one kind are captured together and come back stacked along a
// first axis, e.g. attention adjustments of all layers as [L,T,D]. A Selection
// says which points to keep ("h.*.attn.c_proj", "blocks.3.hook_mlp_out",
// "hidden_states"), so only what is asked for is materialized and transferred.
//
// A Reduction computes something from whole stacks inside the graph — the
// per-token cosine between attention and MLP adjustments, say — so that only
// the reduced [L,T] result leaves the device.
package taps
