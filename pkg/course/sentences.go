package course

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Target is the word the lessons follow through the layers, with its
// leading space: GPT-2 tokens carry the space before a word.
const Target = " her"

// Words returns the words of the three versions of lesson 4's sentences,
// Target first (a new slice each call): the
// target swapped for a pronoun of the other gender and for a word of another
// kind. " him" keeps every sentence grammatical; " round" reads as the
// adverb of a phrasal verb in many ("passed round a glass") and not in
// others ("wrapped round gift"), which is part of what the lesson shows:
// the model sees a different word, not only a different meaning.
func Words() []string { return []string{Target, " him", " round"} }

//go:embed sentences.txt
var sentencesText string

// Sentences returns the course's sentences, one per line of sentences.txt, in
// file order; a new slice each call. Each holds Target exactly once, as a
// whole word and not at the start.
func Sentences() []string {
	return strings.Split(strings.TrimRight(sentencesText, "\n"), "\n")
}

// Version is the course's sentences with Target replaced by Word.
type Version struct {
	Word      string
	Sentences []string
}

// Versions returns one Version per entry of Words(), in that order: the
// sentences as they are (" her"), then with " him", then with " round"
// in place of the target. Sentence i of every version is the same sentence.
func Versions() []Version {
	words := Words()
	out := make([]Version, len(words))
	for i, w := range words {
		out[i].Word = w
		for n, s := range Sentences() {
			swapped, err := ReplaceWord(s, Target, w)
			if err != nil { // TestSentences rules this out for the embedded file
				panic(fmt.Sprintf("course: sentence %d: %v", n, err))
			}
			out[i].Sentences = append(out[i].Sentences, swapped)
		}
	}
	return out
}

// ReplaceWord replaces the single whole-word occurrence of old in text with
// new. A whole-word occurrence is not followed by a letter or digit (" her"
// in " here" or " hers" does not count). It returns an error, naming the
// text, when old occurs as a whole word no time or more than once.
func ReplaceWord(text, old, new string) (string, error) {
	at := wholeWordIndices(text, old)
	if len(at) != 1 {
		return "", fmt.Errorf("replace %q in %s: found it as a whole word %d times, want exactly once", old, excerpt(text), len(at))
	}
	return text[:at[0]] + new + text[at[0]+len(old):], nil
}

// wholeWordIndices returns the byte offsets of the whole-word occurrences
// of word in text.
func wholeWordIndices(text, word string) []int {
	var at []int
	if word == "" {
		return nil
	}
	for i := 0; i+len(word) <= len(text); {
		j := strings.Index(text[i:], word)
		if j < 0 {
			break
		}
		j += i
		next, _ := utf8.DecodeRuneInString(text[j+len(word):])
		if end := j+len(word) == len(text); end || !(unicode.IsLetter(next) || unicode.IsDigit(next)) {
			at = append(at, j)
		}
		i = j + 1
	}
	return at
}

// excerpt quotes the start of a sentence for error messages: at most 40
// characters, "…" when cut.
func excerpt(s string) string {
	const n = 40
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
