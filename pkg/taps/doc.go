// Package taps captures what GPT-2's blocks write into the residual stream.
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
// The one path from a text to its taps, like TransformerLens's run_with_cache:
//
//	job, err := taps.Prepare(ctx, taps.Source{Model: "gpt2-large"}, taps.Text(text),
//		taps.Request{Points: []string{"h.*.attn.c_proj", "blocks.*.hook_mlp_out"}})
//	res, err := job.RunCached(ctx, "")       // or job.Run(): no cache
//	attn, err := res.Get("h.*.attn.c_proj")  // [L,T,D]; res.Get("blocks.3.hook_mlp_out") is [T,D]
//
// Prepare tokenizes and checks the text, resolves the model and reads its
// configuration before any weight is loaded; Run and RunCached load it and
// run the forward pass once. With a model already loaded, Run(m, in, req) is
// the same in one call, and a Capturer runs many texts on one compiled graph.
// Only what the request names is materialized and transferred; a Reduction
// computes something from whole stacks inside the graph — the per-token cosine
// between attention and MLP adjustments, say — so that only the small result
// leaves the device. RunCached keeps results in the tap cache, keyed by the
// model files, the tokens and the request.
package taps
