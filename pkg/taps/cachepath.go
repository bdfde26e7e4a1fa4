package taps

// Path is the file in which the cache keeps k's result, whether or not it is
// there yet. It reads no tap file, only what ModelFingerprint reads.
func (c Cache) Path(k Key) (string, error) {
	e, err := c.entry(k)
	if err != nil {
		return "", err
	}
	return e.path, nil
}
