package screening

import (
	"errors"
	"strings"
	"testing"
)

// Issue 20: a syntax error is reported at its own line, not at the line
// where the enclosing block began (yaml.v3 says line 35 for line 41).
func TestSyntaxErrorNamesItsLine(t *testing.T) {
	lines := strings.Split(string(defaultYAML), "\n")
	for _, c := range []struct {
		name string
		at   int // 1-based line replaced
		text string
	}{
		{"an unclosed bracket", 41, "  bad: [unclosed"},
		{"an unclosed quote", 41, `  title: "open`},
		{"a tab for indentation", 41, "\tmin_age: 3"},
		{"a stray indent in a screening", 155, "     max_age: 70"},
	} {
		l := append([]string{}, lines...)
		l[c.at-1] = c.text
		_, err := Parse([]byte(strings.Join(l, "\n")))
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.list) != 1 {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := ve.list[0].Line; got != c.at {
			t.Errorf("%s on line %d: reported on line %d (%s)", c.name, c.at, got, ve.list[0].Message)
		}
	}
}
