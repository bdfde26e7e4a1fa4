package gpt2

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/tiktoken-go/tokenizer"
)

// EndOfText is the id of GPT-2's <|endoftext|> token.
const EndOfText = 50256

// endOfTextLiteral is the text that Encode maps to the single token EndOfText.
const endOfTextLiteral = "<|endoftext|>"

// tokenizerVocabSize is the number of token ids in GPT-2's vocabulary: the
// 50256 byte-level BPE tokens plus EndOfText.
const tokenizerVocabSize = EndOfText + 1

// The r50k_base codec is shared by every Tokenizer: building it loads the
// 50k-entry vocabulary, and it is safe for concurrent use once built.
var (
	tokenizerCodecOnce sync.Once
	tokenizerCodec     tokenizer.Codec
	tokenizerCodecErr  error
)

// Tokenizer is GPT-2's byte-level BPE tokenizer: the vocabulary and merges of
// the Hugging Face "gpt2" checkpoints (shared by gpt2, gpt2-medium, gpt2-large
// and gpt2-xl), which are tiktoken's r50k_base encoding.
//
// It behaves like Hugging Face's GPT2Tokenizer called without special-token
// post-processing: nothing is prepended or appended (no BOS), the literal text
// <|endoftext|> becomes the single id EndOfText, and every other byte of the
// input is tokenized exactly as given (no Unicode normalization, no newline
// translation). A Tokenizer is safe for concurrent use.
type Tokenizer struct {
	codec tokenizer.Codec
}

// NewTokenizer returns GPT-2's tokenizer. The underlying codec is built once
// per process and shared, so calls after the first are cheap.
func NewTokenizer() (*Tokenizer, error) {
	tokenizerCodecOnce.Do(func() {
		tokenizerCodec, tokenizerCodecErr = tokenizer.Get(tokenizer.R50kBase)
	})
	if tokenizerCodecErr != nil {
		return nil, fmt.Errorf("gpt2: load the r50k_base (GPT-2) BPE codec from github.com/tiktoken-go/tokenizer: %w", tokenizerCodecErr)
	}
	return &Tokenizer{codec: tokenizerCodec}, nil
}

// Encoding is a tokenized text: IDs[i] is the id of token i, Tokens[i] is the
// exact bytes of token i as a Go string (may be a partial UTF-8 sequence for
// characters split across tokens); concatenating Tokens gives the text.
type Encoding struct {
	IDs    []int
	Tokens []string
}

// InvalidUTF8Error reports text passed to Tokenizer.Encode that is not valid
// UTF-8. GPT-2's reference tokenizers only ever see Unicode strings, so there
// is no GPT-2 tokenization of arbitrary bytes to match.
type InvalidUTF8Error struct {
	// Offset is the byte offset of the first invalid byte in the text.
	Offset int
	// Byte is the invalid byte at Offset.
	Byte byte
}

// Error implements the error interface.
func (e *InvalidUTF8Error) Error() string {
	return fmt.Sprintf("text is not valid UTF-8: invalid byte 0x%02x at byte offset %d; "+
		"GPT-2's tokenizer takes UTF-8 text, so convert the input to UTF-8 first", e.Byte, e.Offset)
}

// Encode splits text into GPT-2 tokens.
//
// Every occurrence of the literal text <|endoftext|> becomes the single token
// EndOfText, as in Hugging Face's GPT2Tokenizer; the text between occurrences
// is tokenized by GPT-2's byte-level BPE. Nothing is added: an empty text gives
// an empty Encoding. The text must be valid UTF-8 (NUL bytes are fine);
// otherwise Encode returns an *InvalidUTF8Error naming the first invalid byte.
func (t *Tokenizer) Encode(text string) (Encoding, error) {
	if off := firstInvalidUTF8(text); off >= 0 {
		return Encoding{}, fmt.Errorf("gpt2: encode: %w", &InvalidUTF8Error{Offset: off, Byte: text[off]})
	}
	// About 4 bytes per token for English text.
	capacity := len(text)/4 + 1
	enc := Encoding{IDs: make([]int, 0, capacity), Tokens: make([]string, 0, capacity)}
	for rest := text; rest != ""; {
		segment, after, found := strings.Cut(rest, endOfTextLiteral)
		if segment != "" {
			if err := t.encodeSegment(segment, &enc); err != nil {
				return Encoding{}, err
			}
		}
		if found {
			enc.IDs = append(enc.IDs, EndOfText)
			enc.Tokens = append(enc.Tokens, endOfTextLiteral)
		}
		rest = after
	}
	return enc, nil
}

// The split pattern that tiktoken-go v0.10.0 compiles for r50k_base (with
// regexp2cg) leaves DEL (U+007F) out of the class [^\s\p{L}\p{N}], so it
// silently drops every DEL from the text. GPT-2's reference pattern treats DEL
// like any other control character, such as U+0001, and GPT-2's vocabulary has
// no multi-byte token containing either byte, so each is always a token of its
// own. encodeSegment therefore encodes DEL as U+0001 and then restores the DEL
// token; TestDELAndStandInAreLoneTokens checks the vocabulary assumption.
const (
	delByte     = 0x7f
	delStandIn  = "\x01"
	delTokenID  = 221 // GPT-2's single-byte token for 0x7f.
	delTokenStr = "\x7f"
)

// encodeSegment appends to enc the BPE tokens of segment, a valid UTF-8 text
// without <|endoftext|>.
func (t *Tokenizer) encodeSegment(segment string, enc *Encoding) error {
	hasDEL := strings.IndexByte(segment, delByte) >= 0
	codecText := segment
	if hasDEL {
		codecText = strings.ReplaceAll(segment, delTokenStr, delStandIn)
	}
	ids, tokens, err := t.codec.Encode(codecText)
	if err != nil {
		return fmt.Errorf("gpt2: encode %d bytes of text with r50k_base: %w", len(segment), err)
	}
	offset := 0
	for i, token := range tokens {
		id := int(ids[i])
		if hasDEL {
			// Same length as codecText, so the token's bytes are at offset.
			token = segment[offset : offset+len(token)]
			if token == delTokenStr {
				id = delTokenID
			}
		}
		offset += len(token)
		enc.IDs = append(enc.IDs, id)
		enc.Tokens = append(enc.Tokens, token)
	}
	if offset != len(segment) {
		return fmt.Errorf("gpt2: encode: r50k_base tokens cover %d of the %d bytes of the text; "+
			"this is a bug in the tokenizer, please report it with the text", offset, len(segment))
	}
	return nil
}

// Decode returns the text of the tokens ids: the concatenation of their bytes,
// with EndOfText written as <|endoftext|>. The result is byte-exact (no
// clean-up of spaces), so it may be invalid UTF-8 when ids split a character,
// e.g. a single token of a multi-token emoji. Decode returns an error for ids
// outside [0, 50257).
func (t *Tokenizer) Decode(ids []int) (string, error) {
	for i, id := range ids {
		if id < 0 || id >= tokenizerVocabSize {
			return "", fmt.Errorf("gpt2: decode: token id %d at position %d is outside GPT-2's vocabulary [0, %d); "+
				"pass ids produced by Encode or by the model's logits", id, i, tokenizerVocabSize)
		}
	}
	var sb strings.Builder
	run := make([]uint, 0, len(ids))
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		s, err := t.codec.Decode(run)
		if err != nil {
			return fmt.Errorf("gpt2: decode %d tokens with r50k_base: %w", len(run), err)
		}
		sb.WriteString(s)
		run = run[:0]
		return nil
	}
	for _, id := range ids {
		if id != EndOfText {
			run = append(run, uint(id))
			continue
		}
		if err := flush(); err != nil {
			return "", err
		}
		sb.WriteString(endOfTextLiteral)
	}
	if err := flush(); err != nil {
		return "", err
	}
	return sb.String(), nil
}

// firstInvalidUTF8 returns the byte offset of the first byte of s that is not
// part of a valid UTF-8 sequence, or -1 if s is valid UTF-8.
func firstInvalidUTF8(s string) int {
	if utf8.ValidString(s) {
		return -1
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
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
