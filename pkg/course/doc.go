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
// strings. They take strings rather than token ids so that this package
// does not depend on pkg/gpt2 (which imports GoMLX): pass
// gpt2.Encoding.Tokens.
package course
