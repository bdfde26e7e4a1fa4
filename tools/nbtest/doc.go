// Package nbtest executes Jupyter notebooks headless, with the GoNB kernel by
// default, and inspects what their cells printed and displayed.
//
// Tests use it to prove that the repository's notebooks run end to end:
// Execute runs a notebook through `jupyter nbconvert --execute`, Read parses
// the executed notebook, and Result.Problems lists the failures that nbconvert
// does not notice for GoNB (a panic, an os.Exit with a non-zero status, a
// failing shell command), besides the error outputs it does record.
//
// Available reports, with what to do about it, whether Jupyter and the kernel
// are installed; scripts/install.sh installs both. See README.md in this
// folder for how notebooks import this repository's packages.
package nbtest
