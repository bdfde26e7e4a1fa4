package nb

import "github.com/gpt2taps/gpt2taps/pkg/nb/internal/cell"

// ModelName is the model the cells use: $GPT2TAPS_MODEL when set, otherwise
// name. It prints nothing: nbrun.Find says when the environment replaced name.
func ModelName(name string) string { return cell.ModelName(name, false) }

// ModelNames are the models a cell of many models uses: $GPT2TAPS_MODELS
// when set, else $GPT2TAPS_MODEL as the only one, else names.
func ModelNames(names []string) []string { return cell.ModelNames(names, false) }

// Text is the text the cells use: the contents of $GPT2TAPS_TEXT_FILE
// (byte-exact) when set, otherwise s. It prints nothing: the Checkpoint's
// Tokens (package nbrun) says when the file replaced the text cell.
func Text(s string) string { return cell.Text(s, false) }

// Sentences are the sentences the cells use: the lines of
// $GPT2TAPS_SENTENCES_FILE when set (one sentence per line; a final newline
// and CRLF line ends allowed, blank lines not), otherwise s. It prints
// nothing: the Checkpoint's ShowSentences (package nbrun) says when the file
// replaced the list.
func Sentences(s []string) []string { return cell.Sentences(s, false) }
