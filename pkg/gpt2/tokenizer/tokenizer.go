package tokenizer

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	tiktoken "github.com/tiktoken-go/tokenizer"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// endOfTextLiteral is the text that Encode maps to the single token gpt2.EndOfText.
const endOfTextLiteral = "<|endoftext|>"

// tokenizerVocabSize is the number of token ids in GPT-2's vocabulary: the
// 50256 byte-level BPE tokens plus gpt2.EndOfText.
const tokenizerVocabSize = gpt2.EndOfText + 1

// The r50k_base codec is shared by every Tokenizer: building it loads the
// 50k-entry vocabulary, and it is safe for concurrent use once built.
var (
	tokenizerCodecOnce sync.Once
	tokenizerCodec     tiktoken.Codec
	tokenizerCodecErr  error
)

// Tokenizer is GPT-2's byte-level BPE tokenizer: the vocabulary and merges of
// the Hugging Face "gpt2" checkpoints (shared by gpt2, gpt2-medium, gpt2-large
// and gpt2-xl), which are tiktoken's r50k_base encoding.
//
// It behaves like Hugging Face's GPT2Tokenizer called without special-token
// post-processing: nothing is prepended or appended (no BOS), the literal text
// <|endoftext|> becomes the single id gpt2.EndOfText, and every other byte of the
// input is tokenized exactly as given (no Unicode normalization, no newline
// translation). A Tokenizer is safe for concurrent use.
type Tokenizer struct {
	codec tiktoken.Codec
}

// New returns GPT-2's tokenizer. The underlying codec is built once
// per process and shared, so calls after the first are cheap.
func New() (*Tokenizer, error) {
	tokenizerCodecOnce.Do(func() {
		tokenizerCodec, tokenizerCodecErr = tiktoken.Get(tiktoken.R50kBase)
	})
	if tokenizerCodecErr != nil {
		return nil, fmt.Errorf("tokenizer: load the r50k_base (GPT-2) BPE codec from github.com/tiktoken-go/tokenizer: %w", tokenizerCodecErr)
	}
	return &Tokenizer{codec: tokenizerCodec}, nil
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
// gpt2.EndOfText, as in Hugging Face's GPT2Tokenizer; the text between occurrences
// is tokenized by GPT-2's byte-level BPE. Nothing is added: an empty text gives
// an empty Encoding. The text must be valid UTF-8 (NUL bytes are fine);
// otherwise Encode returns an *InvalidUTF8Error naming the first invalid byte.
func (t *Tokenizer) Encode(text string) (gpt2.Encoding, error) {
	if off := firstInvalidUTF8(text); off >= 0 {
		return gpt2.Encoding{}, fmt.Errorf("tokenizer: encode: %w", &InvalidUTF8Error{Offset: off, Byte: text[off]})
	}
	// About 4 bytes per token for English text.
	capacity := len(text)/4 + 1
	enc := gpt2.Encoding{IDs: make([]int, 0, capacity), Tokens: make([]string, 0, capacity)}
	for rest := text; rest != ""; {
		segment, after, found := strings.Cut(rest, endOfTextLiteral)
		if segment != "" {
			if err := t.encodeSegment(segment, &enc); err != nil {
				return gpt2.Encoding{}, err
			}
		}
		if found {
			enc.IDs = append(enc.IDs, gpt2.EndOfText)
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
func (t *Tokenizer) encodeSegment(segment string, enc *gpt2.Encoding) error {
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
		return fmt.Errorf("tokenizer: encode: r50k_base tokens cover %d of the %d bytes of the text; "+
			"this is a bug in the tokenizer, please report it with the text", offset, len(segment))
	}
	return nil
}

// Decode returns the text of the tokens ids: the concatenation of their bytes,
// with gpt2.EndOfText written as <|endoftext|>. The result is byte-exact (no
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
		if id != gpt2.EndOfText {
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
