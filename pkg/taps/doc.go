// Package taps holds what GPT-2's blocks write into the residual stream —
// TransformerLens's ActivationCache — as plain Go: the names of the tap
// points, requests, results of host arrays fetched by name, taps files and the
// tap cache. It does not import GoMLX: a program that only reads and analyses
// taps links none of it. Package model runs the forward pass that fills them.
//
// A tap point is a named intermediate value of the forward pass (see
// gpt2.Kind and gpt2.Point, where the names live). Names follow the Hugging
// Face module paths; TransformerLens hook names are accepted as aliases:
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
// The one path from a text to its taps is package model:
//
//	res, err := model.RunCached(ctx, model.Source{Model: "gpt2-large"}, gpt2.Text(text),
//		taps.Request{Points: []string{"h.*.attn.c_proj", "blocks.*.hook_mlp_out"}}, taps.Cache{})
//	attn, err := res.Get("h.*.attn.c_proj")  // [L,T,D]; res.Get("blocks.3.hook_mlp_out") is [T,D]
//
// Only what the request names is materialized and transferred; a Reduction
// asks for something computed from whole stacks inside the graph — the
// per-token cosine between attention and MLP adjustments, say — so that only
// the small result leaves the device. The tap cache (Cache) keeps results
// keyed by the model files, the tokens and the request (Key, made by NewKey
// without loading any weight): later processes read them back in well under a
// second, through Cache.Load alone when they must not run the model.
package taps
