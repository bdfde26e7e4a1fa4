// Package course holds what the course's other GPT-2 lessons share that is
// neither statistics (package analysis) nor drawing (package viz): the
// sentences they run and how to find the word they study in a tokenized
// sentence.
//
//   - Lesson 1, rotations of embedding vectors (GPT-2 XL): the angle between
//     a token's hidden states at consecutive layers, for the target " her"
//     and the token before it, against random pairs of vectors.
//   - Lesson 2, angles between neighbouring tokens: the angle between the
//     token before the target and the target at every layer, against random
//     token pairs, and broken down by position pair.
//   - Lesson 3, path length and next-token prediction (all four GPT-2 sizes,
//     on a longer text of its own).
//   - Lesson 4, state-space trajectories (GPT-2 Medium): the same sentences
//     with the target swapped for " him" and " round" (Versions), one PCA
//     over all of them.
//
// Sentences returns the sentences: 54 short English sentences written for
// the course (the original analysis used 54 too), one per line of the
// embedded sentences.txt, each holding the word " her" exactly once, as an
// object or possessive pronoun and never first. They are run as one batch.
// Their tests check, with GPT-2's tokenizer, that " her", " him" and " round"
// are each a single token in every version.
//
// FindWord and FindWords locate the target's token among a sentence's token
// strings (gpt2.Encoding.Tokens, taps.Result.Tokens).
//
// Each lesson is one function from captured results (plain Go: this package
// links no GoMLX) to a result struct whose JSON holds the numbers, and a
// Figures method drawing it with package viz:
//
//	results, _ := m.RunBatch(inputs, course.HiddenRequest()) // or model.RunBatchCached
//	rot, _ := course.Rotations(results, course.Target, course.Options{})        // lesson 1
//	nb, _ := course.Neighbours(results, course.Target, course.Options{})        // lesson 2
//	paths, _ := course.Paths([]course.ModelRun{{Model: "gpt2", Result: res}})   // lesson 3, course.PathRequest(L)
//	tr, _ := course.Trajectories([]course.WordRuns{{Word: " her", Results: r0}, …}) // lesson 4
//	course.WriteJSON("rotations.json", rot)
//	figs, _ := rot.Figures(); course.SaveFigures(dir, figs)
//
// Choices the lessons make where the course leaves them open: spreads are
// the population standard deviation over sentences (analysis.PerLayer; the
// SEM is in the JSON too); the random controls draw DefaultPairs pairs with
// DefaultSeed (Options); lesson 1's control pairs any two hidden vectors of
// the batch (any sentence, state, token), lesson 2's baseline any two
// distinct positions of one sentence, neither the target, measured at every
// state; lesson 3 correlates over tokens PathFirstToken… (token 0, the
// attention sink, left out); lesson 4 fits one PCA of TrajectoryComponents
// components on every word × sentence × hidden state (embeddings to after
// ln_f), and measures the words' distances in the full hidden space.
// Undefined statistics (NaN) are null in the JSON (Series, Number).
package course
