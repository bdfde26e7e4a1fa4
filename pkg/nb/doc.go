// Package nb is the plumbing the lesson's GoNB notebooks share, so that their
// visible cells hold the lesson's steps and nothing else.
//
// GoNB compiles and runs every cell as a new program: nothing computed in one
// cell survives to the next. One cell of each notebook runs GPT-2
// (nbmodel.Run, in the package nbmodel, the only one that links the model and
// GoMLX); it keeps the taps in the tap cache, and every other cell gets them
// back from disk with Taps, in well under a second, without linking GoMLX —
// such a cell builds faster. When the cache lacks them, Taps stops the cell
// with one line saying to run that cell ("Run GPT-2 once") first.
//
// The environment overrides a notebook's settings (internal/env), and the
// output says so when it does:
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
