package course_test

import (
	"fmt"

	"github.com/gpt2taps/gpt2taps/pkg/course"
)

func ExampleVersions() {
	for _, v := range course.Versions() {
		fmt.Printf("%-7q %s\n", v.Word, v.Sentences[1])
	}
	// Output:
	// " her"  At the party a stranger passed her a glass of cold lemonade.
	// " him"  At the party a stranger passed him a glass of cold lemonade.
	// " round" At the party a stranger passed round a glass of cold lemonade.
}

func ExampleFindWord() {
	// The tokens of "We called her twice." (gpt2.Encoding.Tokens).
	tokens := []string{"We", " called", " her", " twice", "."}
	i, err := course.FindWord(0, tokens, course.Target)
	fmt.Println(i, err)
	_, err = course.FindWord(1, []string{"The", " book", " is", " hers", "."}, course.Target)
	fmt.Println(err)
	// Output:
	// 2 <nil>
	// sentence 1 ("The book is hers."): " her" occurs only inside a longer word (" hers"): use a sentence with the word on its own
}
