package gpt2_test

import (
	"fmt"
	"log"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

func ExampleTokenizer_Encode() {
	tok, err := gpt2.NewTokenizer()
	if err != nil {
		log.Fatal(err)
	}
	enc, err := tok.Encode("Hello world<|endoftext|>I'm  here 👋\n")
	if err != nil {
		log.Fatal(err)
	}
	for i, id := range enc.IDs {
		fmt.Printf("%5d %q\n", id, enc.Tokens[i])
	}
	// Output:
	// 15496 "Hello"
	//   995 " world"
	// 50256 "<|endoftext|>"
	//    40 "I"
	//  1101 "'m"
	//   220 " "
	//   994 " here"
	// 50169 " \xf0\x9f\x91"
	//   233 "\x8b"
	//   198 "\n"
}

func ExampleTokenizer_Decode() {
	tok, err := gpt2.NewTokenizer()
	if err != nil {
		log.Fatal(err)
	}
	text, err := tok.Decode([]int{15496, 995, gpt2.EndOfText})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q\n", text)
	_, err = tok.Decode([]int{50257})
	fmt.Println(err)
	// Output:
	// "Hello world<|endoftext|>"
	// gpt2: decode: token id 50257 at position 0 is outside GPT-2's vocabulary [0, 50257); pass ids produced by Encode or by the model's logits
}

func ExampleTokenLabel() {
	for _, token := range []string{" world", " ", "\n\n", "\t", " \xf0\x9f\x91", "\x8b"} {
		fmt.Printf("%-16q → [%s]\n", token, gpt2.TokenLabel(token))
	}
	// Output:
	// " world"         → [ world]
	// " "              → [␣]
	// "\n\n"           → [↵↵]
	// "\t"             → [⇥]
	// " \xf0\x9f\x91"  → [ \xf0\x9f\x91]
	// "\x8b"           → [\x8b]
}
