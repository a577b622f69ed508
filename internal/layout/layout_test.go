package layout

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/phonelookup/phonelookup"

// row is one package of the README's table.
type row struct {
	allowed []string // packages of ours it may import
	aws     bool     // may import the AWS SDK or aws-lambda-go
}

// readTable reads the "Where things are" table of the README.
func readTable(t *testing.T) map[string]row {
	t.Helper()
	f, err := os.Open("../../README.md")
	require.NoError(t, err)
	defer f.Close()
	rows := map[string]row{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			in = line == "## Where things are"
			continue
		case !in || !strings.HasPrefix(line, "| `"):
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		require.Len(t, cells, 4, "README row %q: want package | owns | may import | AWS SDK", line)
		pkg := strings.Trim(strings.TrimSpace(cells[0]), "`")
		var r row
		if imports := strings.TrimSpace(cells[2]); imports != "nothing" {
			for _, p := range strings.Split(imports, ",") {
				r.allowed = append(r.allowed, strings.Trim(strings.TrimSpace(p), "`"))
			}
		}
		r.aws = strings.TrimSpace(cells[3]) == "yes"
		rows[pkg] = r
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, rows, "README has no \"Where things are\" table")
	return rows
}

// goPackage is what go list says of a package.
type goPackage struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T) []goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	require.NoError(t, err, "go list")
	var pkgs []goPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p goPackage
		require.NoError(t, dec.Decode(&p))
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestReadmeLayoutMatchesTheTree(t *testing.T) {
	rows := readTable(t)
	seen := map[string]bool{}
	for _, p := range listPackages(t) {
		name := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		seen[name] = true
		r, ok := rows[name]
		if !assert.True(t, ok, "package %s is not in the README's \"Where things are\" table", name) {
			continue
		}
		for _, imp := range p.Imports {
			switch {
			case strings.HasPrefix(imp, module+"/"):
				dep := strings.TrimPrefix(imp, module+"/")
				assert.True(t, slices.Contains(r.allowed, dep), "%s imports %s, which its README row does not allow", name, dep)
			case strings.HasPrefix(imp, "github.com/aws/aws-sdk-go-v2") || strings.HasPrefix(imp, "github.com/aws/aws-lambda-go"):
				assert.True(t, r.aws, "%s imports %s: its README row says no AWS SDK", name, imp)
			}
		}
	}
	for name := range rows {
		assert.True(t, seen[name], "the README's table names %s, which is not a package", name)
	}
}
