package store_test

import (
	"os"
	"testing"
)

// TestMain drops the benchmark registers kept across -count runs
// (listBenchRegisters) once every test and benchmark has run.
func TestMain(m *testing.M) {
	code := m.Run()
	dropListBenchRegisters()
	os.Exit(code)
}
