//go:build integration

package sqsworker_test

import (
	"os"
	"testing"

	"github.com/phonelookup/phonelookup/internal/emulator"
)

var workerEmu *emulator.Emulators

func TestMain(m *testing.M) { os.Exit(emulator.Main(m, true, &workerEmu)) }
