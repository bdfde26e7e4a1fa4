package tokenizer_test

import (
	"fmt"
	"log"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
)

func ExampleTokenizer_Encode() {
	tok, err := tokenizer.New()
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
	tok, err := tokenizer.New()
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
