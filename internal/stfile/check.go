package stfile

import (
	"fmt"
	"os"
)

// Check validates the safetensors file at path exactly as Open does — header length within the file, valid
// header, known dtypes, data_offsets that match dtype and shape and tile a data section ending at the end of the
// file — but reads only the header and maps nothing: a cheap test that a downloaded or copied file is complete
// and well formed. A missing file gives an error that wraps fs.ErrNotExist.
func Check(path string) error {
	osf, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open safetensors file: %w", err)
	}
	defer osf.Close()
	_, err = parse(osf, path)
	return err
}
