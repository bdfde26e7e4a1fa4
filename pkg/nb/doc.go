// Package nb is the plumbing the lesson's GoNB notebooks share, so that their
// visible cells hold the lesson's steps and nothing else.
//
// GoNB compiles and runs every cell as a new program: nothing computed in one
// cell survives to the next. Run therefore goes through the tap cache: the
// forward pass runs once per (model files, tokens, request), and every later
// cell gets the taps back from disk in well under a second.
//
// The environment overrides a notebook's settings, and the output says so
// when it does:
//
//	GPT2TAPS_MODEL      replaces the notebook's modelName (Hub id or checkpoint directory)
//	GPT2TAPS_TEXT_FILE  a file whose text replaces the notebook's text
//	GPT2TAPS_CACHE      the tap cache directory
//	GOMLX_BACKEND       the GoMLX backend: go, xla:cpu, xla:cuda (default: XLA when a PJRT plugin is found)
//
// Errors stop the cell: Check, Must and every helper print one line
// "error: …" (with a hint in the notebook's terms where one helps) and exit
// with status 1, which GoNB shows under the cell.
package nb
