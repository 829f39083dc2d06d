package screening

import (
	"slices"
	"strings"
)

// The reverse index maps a coding to the evidence groups that hold it, so a
// record is matched in one pass over its codings instead of screenings x
// items x codes. Keys are the code alone (short strings hash fast); the
// system is checked on the few entries a code finds. ICD-10-CM codes are
// keyed without their dot, so E11.9 and E119 are the same code.
//
// Most codings in a chart (vital signs, routine labs, visit types) are in no
// group at all. A bitmap of the keys' hashes turns those away with one bit
// test, before a lookup in maps too big for the CPU cache.
type index struct {
	groups     []*Group // by Group.n; a record's hits are bucketed by it
	codes      *codeIndex
	limit      int32            // entries of groups from here on are another index's (the measures')
	prefixLens [2][]int         // the lengths of this index's prefixes: ICD-10-CM, other systems
	seen       *[1 << 12]uint64 // bit hash(k) is set for every key k of this index's groups
}

// codeIndex maps codes to the groups holding them, for both indexes of a
// catalogue: each key's entries are a chain in group order, the
// screenings' groups before the measures', so the screenings' index stops
// at its limit. One map, sized once, with the entries in one array: the
// two maps of slices it replaces, grown key by key, were about a third of
// a fresh start's catalogue load.
type codeIndex struct {
	exact    map[string]chain // code -> its entries
	prefixes map[string]chain // code prefix (E11, C34) -> its entries
	entries  []entry
}

// chain is a key's entries: the first and the last, linked by entry.next.
type chain struct{ head, tail int32 }

type entry struct {
	system string
	group  int32
	next   int32 // the key's next entry, or -1
}

// buildIndex builds two indexes: the screenings' (what Evaluate reads) and
// a superset with the quality measures' groups after them (visit types,
// the measures' own tests), so the measures' codes cost Evaluate nothing
// but a skipped entry on the few codes both hold. A group has the same
// position in both.
func (c *Catalogue) buildIndex() {
	var all []*Group
	c.walkGroups(func(g *Group) {
		g.n = int32(len(all))
		all = append(all, g)
	})
	main := len(all)
	for _, m := range c.Measures {
		m.walkGroups(func(g *Group) {
			g.n = int32(len(all))
			all = append(all, g)
		})
	}
	n := 0
	for _, g := range all {
		for _, codes := range g.all {
			n += len(codes)
		}
	}
	ci := &codeIndex{exact: make(map[string]chain, n), prefixes: map[string]chain{}, entries: make([]entry, 0, n)}
	c.idx = index{groups: slices.Clip(all[:main]), codes: ci, limit: int32(main), seen: new([1 << 12]uint64)}
	c.midx = index{groups: all, codes: ci, limit: int32(len(all)), seen: new([1 << 12]uint64)}
	for _, g := range all {
		ixs := []*index{&c.midx, &c.idx}
		if g.n >= int32(main) {
			ixs = ixs[:1]
		}
		for sys, codes := range g.all {
			for _, code := range codes {
				prefix := strings.HasSuffix(code, "*")
				code = strings.TrimSuffix(code, "*")
				if sys == sysICD10CM {
					code = strings.ReplaceAll(code, ".", "")
					// A three-character category (C34) stands for its codes.
					prefix = prefix || len(code) == 3
				}
				h := hashKey(code)
				k := 1
				if sys == sysICD10CM {
					k = 0
				}
				for _, ix := range ixs {
					ix.seen[h/64%uint32(len(ix.seen))] |= 1 << (h % 64)
					if prefix && !slices.Contains(ix.prefixLens[k], len(code)) {
						ix.prefixLens[k] = append(ix.prefixLens[k], len(code))
					}
				}
				m := ci.exact
				if prefix {
					m = ci.prefixes
				}
				i := int32(len(ci.entries))
				ci.entries = append(ci.entries, entry{system: sys, group: g.n, next: -1})
				if ch, ok := m[code]; ok {
					ci.entries[ch.tail].next = i
					m[code] = chain{ch.head, i}
				} else {
					m[code] = chain{i, i}
				}
			}
		}
	}
}

// walkRule calls f for every group of r and of its all_of parts.
func walkRule(r *Rule, f func(*Group)) {
	for _, g := range r.groups() {
		f(g)
	}
	for _, p := range r.AllOf {
		walkRule(p, f)
	}
}

// walkGroups calls f for every group of the screenings and exclusion
// concepts, in a fixed order.
func (c *Catalogue) walkGroups(f func(*Group)) {
	groups := func(gs []*Group) {
		for _, g := range gs {
			f(g)
		}
	}
	rule := func(r *Rule) { walkRule(r, f) }
	for _, x := range c.Exclusions {
		for _, r := range x.Rules {
			rule(r)
		}
	}
	for _, s := range c.Screenings {
		for _, m := range s.Modalities {
			groups(m.Evidence)
			groups(m.WindowUnless)
			for _, f := range m.flags() {
				groups(f.FollowUp)
			}
			for _, pr := range m.Pairs {
				groups(pr.First)
				groups(pr.Second)
			}
		}
		for _, r := range s.Triggers {
			rule(r)
		}
		for _, r := range s.Exclusions {
			rule(r)
		}
		for _, md := range s.Modifiers {
			groups(md.Evidence)
		}
		groups(s.Related)
	}
}

// hashKey is a multiply-xorshift hash of the key read in 8- and 4-byte
// words, for the bitmap. Codes are short (8480-6, 428171000124102):
// FNV-1a's byte-by-byte multiply chain was most of matching a record's
// codings. Short keys read overlapping words (the first and last 4 bytes).
func hashKey(k string) uint32 {
	h := uint64(len(k)) * 0x9e3779b97f4a7c15
	for len(k) >= 8 {
		w := uint64(k[0]) | uint64(k[1])<<8 | uint64(k[2])<<16 | uint64(k[3])<<24 |
			uint64(k[4])<<32 | uint64(k[5])<<40 | uint64(k[6])<<48 | uint64(k[7])<<56
		h = (h ^ w) * 0xff51afd7ed558ccd
		h ^= h >> 32
		k = k[8:]
	}
	switch n := len(k); {
	case n >= 4:
		w := uint64(k[0]) | uint64(k[1])<<8 | uint64(k[2])<<16 | uint64(k[3])<<24
		w2 := uint64(k[n-4]) | uint64(k[n-3])<<8 | uint64(k[n-2])<<16 | uint64(k[n-1])<<24
		h = (h ^ (w | w2<<32)) * 0xc4ceb9fe1a85ec53
	case n > 0:
		h = (h ^ (uint64(k[0]) | uint64(k[n>>1])<<8 | uint64(k[n-1])<<16)) * 0xc4ceb9fe1a85ec53
	}
	h ^= h >> 29
	return uint32(h)
}

func (ix *index) maybe(h uint32) bool {
	return ix.seen[h/64%uint32(len(ix.seen))]&(1<<(h%64)) != 0
}

// find calls hit for every group of the index that holds the coding.
func (ix *index) find(system, code string, hit func(group int32)) {
	ci := ix.codes
	if system != sysICD10CM {
		if ix.maybe(hashKey(code)) {
			ix.each(ci.exact, code, system, hit)
		}
		for _, n := range ix.prefixLens[1] {
			if n <= len(code) && ix.maybe(hashKey(code[:n])) {
				ix.each(ci.prefixes, code[:n], system, hit)
			}
		}
		return
	}
	var buf [24]byte
	b := buf[:0]
	for i := 0; i < len(code); i++ {
		if code[i] != '.' {
			b = append(b, code[i])
		}
	}
	// string(b) inside a map index does not allocate.
	if ix.maybe(hashKey(string(b))) {
		if ch, ok := ci.exact[string(b)]; ok {
			ix.chain(ch, system, hit)
		}
	}
	for _, n := range ix.prefixLens[0] {
		if n <= len(b) && ix.maybe(hashKey(string(b[:n]))) {
			if ch, ok := ci.prefixes[string(b[:n])]; ok {
				ix.chain(ch, system, hit)
			}
		}
	}
}

func (ix *index) each(m map[string]chain, key, system string, hit func(int32)) {
	if ch, ok := m[key]; ok {
		ix.chain(ch, system, hit)
	}
}

// chain calls hit for the key's entries of this index in the system.
func (ix *index) chain(ch chain, system string, hit func(int32)) {
	es := ix.codes.entries
	for i := ch.head; i >= 0; i = es[i].next {
		if e := &es[i]; e.group < ix.limit && e.system == system {
			hit(e.group)
		}
	}
}

// hasWord reports whether title contains kw (lower-case) as a whole word,
// ignoring case.
func hasWord(title, kw string) bool {
	for i := 0; i+len(kw) <= len(title); i++ {
		if c := title[i]; c|0x20 != kw[0]|0x20 && c < 0x80 || !strings.EqualFold(title[i:i+len(kw)], kw) {
			continue
		}
		before := i == 0 || !isWordChar(title[i-1])
		after := i+len(kw) == len(title) || !isWordChar(title[i+len(kw)])
		if before && after {
			return true
		}
	}
	return false
}

func isWordChar(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}
