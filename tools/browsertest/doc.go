// Package browsertest drives Debian's Chromium from Go tests (with
// github.com/chromedp/chromedp) to look at the project's pages the way a
// person does: the notebooks opened through Jupyter's web interface and run
// from its menu, and the token explorer of package viz, hovered, focused and
// moved with the mouse and the keyboard.
//
//   - NewBrowser starts a headless Chromium (Chromium reports where it is, or
//     why the test is skipped: it fails instead when CI=true).
//   - StartJupyter starts a Jupyter Notebook server on a free loopback port
//     with a random token and its own configuration and runtime folders, and
//     stops it, its kernels and everything they started when the test ends.
//     NotebookTree gives it a copy of the notebooks next to the repository,
//     so that running them never writes into the checkout.
//   - Notebook opens a notebook in the browser, runs all cells from the Cell
//     menu, waits until the kernel is idle and every cell has run, and reads
//     back what the page shows (nbtest.Result, images, cells by id).
//   - CheckExplorer asserts what the explorer shows: the numbers of a token
//     on hover and on keyboard focus, the layer slider and the strip of
//     per-layer means changing the colours, readable contrast.
//
// Screenshots and executed notebooks go to ArtifactDir: $GPT2TAPS_ARTIFACTS
// when set, else the test's temporary folder.
package browsertest
