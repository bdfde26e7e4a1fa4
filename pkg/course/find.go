package course

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// WordError says why a word's token could not be found in a tokenized
// sentence.
type WordError struct {
	// Sentence is the sentence's index (from 0, as in Sentences()).
	Sentence int
	// Text is the sentence, the tokens joined.
	Text string
	// Word is the word looked for, with its leading space.
	Word string
	// Problem says what is wrong, e.g. `is split across tokens " h" + "er"`.
	Problem string
}

// Error implements the error interface: the sentence's number and the
// start of its text, the word and the problem.
func (e *WordError) Error() string {
	return fmt.Sprintf("sentence %d (%s): %q %s", e.Sentence, excerpt(e.Text), e.Word, e.Problem)
}

// FindWord returns the index of the token equal to word (leading space
// included, e.g. " her") among tokens, the token strings of sentence number
// sentence (gpt2.Encoding.Tokens; sentence only names it in errors).
//
// It returns a *WordError when no token equals word, saying whether the
// word is missing, occurs only inside a longer word (" hers", " here") or
// is split across tokens (" h" + "er"), or when the token occurs more than
// once (the lessons need one target per sentence), or when it is the first
// token (the lessons need the token before it).
func FindWord(sentence int, tokens []string, word string) (int, error) {
	var at []int
	for i, t := range tokens {
		// A token equal to the word but followed by letters (" her" + "mit") is the start of a longer word.
		if t == word && (i+1 == len(tokens) || !continuesWord(tokens[i+1])) {
			at = append(at, i)
		}
	}
	text := strings.Join(tokens, "")
	fail := func(format string, args ...any) (int, error) {
		return -1, &WordError{Sentence: sentence, Text: text, Word: word, Problem: fmt.Sprintf(format, args...)}
	}
	switch {
	case word == "":
		return fail("is empty: pass a word such as %q", Target)
	case len(at) == 1 && at[0] == 0:
		return fail("is the first token: the lessons compare it with the token before it, so put a word before it")
	case len(at) == 1:
		return at[0], nil
	case len(at) > 1:
		return fail("is %d tokens (at %v), want exactly one", len(at), at)
	}
	whole := wholeWordIndices(text, word)
	if len(whole) == 0 {
		if strings.Contains(text, word) {
			off := strings.Index(text, word)
			end := off + len(word)
			for end < len(text) && continuesWord(text[end:]) {
				_, size := utf8.DecodeRuneInString(text[end:])
				end += size
			}
			return fail("occurs only inside a longer word (%s): use a sentence with the word on its own", tokensAt(tokens, off, end-off))
		}
		return fail("is missing")
	}
	return fail("is split across tokens %s: GPT-2 must see it as one token; change the sentence", tokensAt(tokens, whole[0], len(word)))
}

// tokensAt shows the tokens that cover bytes [off, off+n) of their
// concatenation, quoted and joined with " + ".
func tokensAt(tokens []string, off, n int) string {
	var parts []string
	pos := 0
	for _, t := range tokens {
		if pos < off+n && pos+len(t) > off {
			parts = append(parts, fmt.Sprintf("%q", t))
		}
		pos += len(t)
	}
	return strings.Join(parts, " + ")
}

// FindWords runs FindWord on every sentence (tokens[i] are the tokens of
// sentence i) and returns the word's token index in each. It reports every
// sentence that fails, not only the first, joined into one error
// (errors.Join of *WordError).
func FindWords(tokens [][]string, word string) ([]int, error) {
	at := make([]int, len(tokens))
	var errs []error
	for i, ts := range tokens {
		var err error
		if at[i], err = FindWord(i, ts, word); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return at, nil
}

// continuesWord reports whether a token glues onto the token before it as
// more of the same word: it starts with a letter or a digit (GPT-2 marks a new
// word with a leading space).
func continuesWord(token string) bool {
	r, _ := utf8.DecodeRuneInString(token)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
