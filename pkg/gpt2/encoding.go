package gpt2

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// EndOfText is the id of GPT-2's <|endoftext|> token, the last of its
// vocabulary (package tokenizer maps the literal text to it).
const EndOfText = 50256

// Encoding is a tokenized text: IDs[i] is the id of token i, Tokens[i] is the
// exact bytes of token i as a Go string (may be a partial UTF-8 sequence for
// characters split across tokens); concatenating Tokens gives the text.
type Encoding struct {
	IDs    []int
	Tokens []string
}

// TokenLabel returns a printable label of a token's bytes, for plot axes and
// tables. The label is for reading, not parsing: it cannot always be turned
// back into the token.
//
// Printable characters are shown as they are, including the leading space
// that most GPT-2 word tokens carry (" the" stays " the"). Characters that
// would be invisible or break a layout are replaced:
//   - newline "\n" → "↵", carriage return "\r" → "␍", tab "\t" → "⇥";
//   - a space is shown as "␣" only when the whole token is whitespace
//     (" " → "␣", "   " → "␣␣␣", " \n" → "␣↵"), so that such tokens are visible;
//   - bytes that are not valid UTF-8, such as the pieces of a character split
//     across tokens (emoji, many CJK characters), are shown as \xNN
//     (lowercase hex), e.g. "\xf0\x9f\x91";
//   - other non-printable characters (control characters, and whitespace other
//     than space, tab and newlines, such as U+00A0 no-break space) are shown as
//     Go escapes: \x00 for ASCII, \u00a0 beyond.
//
// The empty token gives the empty label.
func TokenLabel(token string) string {
	allSpace := token != ""
	for _, r := range token {
		if !unicode.IsSpace(r) {
			allSpace = false
			break
		}
	}
	var sb strings.Builder
	for i := 0; i < len(token); {
		r, n := utf8.DecodeRuneInString(token[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&sb, `\x%02x`, token[i])
		case r == '\n':
			sb.WriteString("↵")
		case r == '\r':
			sb.WriteString("␍")
		case r == '\t':
			sb.WriteString("⇥")
		case r == ' ':
			if allSpace {
				sb.WriteString("␣")
			} else {
				sb.WriteByte(' ')
			}
		case unicode.IsSpace(r) || !unicode.IsPrint(r):
			if r < utf8.RuneSelf {
				fmt.Fprintf(&sb, `\x%02x`, r)
			} else if r <= 0xFFFF {
				fmt.Fprintf(&sb, `\u%04x`, r)
			} else {
				fmt.Fprintf(&sb, `\U%08x`, r)
			}
		default:
			sb.WriteString(token[i : i+n])
		}
		i += n
	}
	return sb.String()
}
