package screening

import "strings"

// The reverse index maps a coding to the groups that contain it, so a
// record is matched in one pass over its codings instead of screenings x
// items x codes.
type index struct {
	exact    map[codeKey][]*Group
	prefixes map[codeKey][]*Group // code holds the prefix
	prefixed map[string]bool      // systems with any prefix entry
	keywords []*Modality
}

// codeKey is a struct, not "system|code", so lookups do not allocate.
type codeKey struct{ system, code string }

func (c *Catalogue) buildIndex() {
	c.idx = index{exact: map[codeKey][]*Group{}, prefixes: map[codeKey][]*Group{}, prefixed: map[string]bool{}}
	add := func(g *Group) {
		for k := range g.exact {
			sys, code, _ := strings.Cut(k, "|")
			key := codeKey{sys, code}
			c.idx.exact[key] = append(c.idx.exact[key], g)
		}
		for sys, ps := range g.prefixes {
			c.idx.prefixed[sys] = true
			for _, p := range ps {
				key := codeKey{sys, p}
				c.idx.prefixes[key] = append(c.idx.prefixes[key], g)
			}
		}
	}
	var rule func(r *Rule)
	rule = func(r *Rule) {
		for _, g := range r.Evidence {
			add(g)
		}
		for _, p := range r.AllOf {
			rule(p)
		}
	}
	for _, s := range c.Screenings {
		for _, m := range s.Modalities {
			for _, g := range m.Evidence {
				add(g)
			}
			if len(m.Keywords) > 0 {
				c.idx.keywords = append(c.idx.keywords, m)
			}
		}
		for _, r := range s.Triggers {
			rule(r)
		}
		for _, r := range s.Exclusions {
			rule(r)
		}
		for _, md := range s.Modifiers {
			for _, g := range md.Evidence {
				add(g)
			}
		}
	}
}

// groupsFor returns the groups a coding belongs to.
func (c *Catalogue) groupsFor(system, code string, visit func(*Group)) {
	for _, g := range c.idx.exact[codeKey{system, code}] {
		visit(g)
	}
	if !c.idx.prefixed[system] {
		return
	}
	// Try every prefix of the code that a group could name: C34.90 -> C34.9, C34.
	for n := len(code); n >= 3; n-- {
		p := strings.TrimSuffix(code[:n], ".")
		for _, g := range c.idx.prefixes[codeKey{system, p}] {
			visit(g)
		}
	}
}

// hasWord reports whether title contains kw as a whole word, ignoring case.
func hasWord(title, kw string) bool {
	t, k := strings.ToLower(title), strings.ToLower(kw)
	for i := 0; ; {
		j := strings.Index(t[i:], k)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isWordChar(t[j-1])
		after := j+len(k) == len(t) || !isWordChar(t[j+len(k)])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func isWordChar(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}
