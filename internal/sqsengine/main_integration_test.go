//go:build integration

package sqsengine_test

import (
	"os"
	"testing"

	"github.com/phonelookup/phonelookup/internal/emulator"
)

// The emulators (local-aws-sqs and dynalite) run once for the package.
var emu *emulator.Emulators

func TestMain(m *testing.M) { os.Exit(emulator.Main(m, true, &emu)) }
