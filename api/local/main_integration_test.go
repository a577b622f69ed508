//go:build integration

package local_test

import (
	"os"
	"testing"

	"github.com/phonelookup/phonelookup/internal/emulator"
)

var emu *emulator.Emulators

func TestMain(m *testing.M) { os.Exit(emulator.Main(m, false, &emu)) }
