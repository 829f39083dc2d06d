package api

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The app's TypeScript types are generated from this package's Go types, so
// the two cannot drift: `make api-types` rewrites the file, and this test
// fails when it is stale.

var update = flag.Bool("update", false, "rewrite "+tsFile)

const tsFile = "../../frontend/src/api/generated.ts"

// wireFiles hold the wire types; the client, server and errors do not.
var wireFiles = []string{"types.go", "day.go", "send.go"}

func TestTypeScriptIsCurrent(t *testing.T) {
	got, err := typescript(wireFiles)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(tsFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(tsFile)
	if err != nil {
		t.Fatalf("%v: run `make api-types`", err)
	}
	if !bytes.Equal(have, got) {
		t.Fatalf("%s is stale: run `make api-types` and commit it", tsFile)
	}
}

type tsGen struct {
	enums map[string][]string // named string types and their constants
	out   bytes.Buffer
}

func typescript(files []string) ([]byte, error) {
	fset := token.NewFileSet()
	var decls []*ast.GenDecl
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, d := range af.Decls {
			if gd, ok := d.(*ast.GenDecl); ok {
				decls = append(decls, gd)
			}
		}
	}
	g := &tsGen{enums: map[string][]string{}}
	// First the string enums: a named string type and its typed constants.
	for _, gd := range decls {
		if gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			id, ok := vs.Type.(*ast.Ident)
			if !ok || len(vs.Values) != 1 {
				continue
			}
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				continue
			}
			v, _ := strconv.Unquote(lit.Value)
			g.enums[id.Name] = append(g.enums[id.Name], v)
		}
	}
	g.out.WriteString("// Code generated from agent/api (types.go, day.go) by `make api-types`. DO NOT EDIT.\n")
	g.out.WriteString("// Times are RFC 3339 strings, dates YYYY-MM-DD, durations nanoseconds.\n")
	names := make([]string, 0, len(g.enums))
	for n := range g.enums {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		quoted := make([]string, len(g.enums[n]))
		for i, v := range g.enums[n] {
			quoted[i] = strconv.Quote(v)
		}
		fmt.Fprintf(&g.out, "\nexport type %s = %s;\n", n, strings.Join(quoted, " | "))
	}
	for _, gd := range decls {
		if gd.Tok != token.TYPE {
			continue
		}
		for _, s := range gd.Specs {
			ts := s.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok || !ts.Name.IsExported() {
				continue
			}
			doc := ts.Doc
			if doc == nil && len(gd.Specs) == 1 {
				doc = gd.Doc
			}
			g.out.WriteString("\n")
			g.comment(doc, "")
			fmt.Fprintf(&g.out, "export interface %s {\n", ts.Name.Name)
			if err := g.fields(st); err != nil {
				return nil, fmt.Errorf("%s: %w", ts.Name.Name, err)
			}
			g.out.WriteString("}\n")
		}
	}
	return g.out.Bytes(), nil
}

func (g *tsGen) comment(cg *ast.CommentGroup, indent string) {
	if cg == nil {
		return
	}
	text := strings.TrimSpace(cg.Text())
	if text == "" {
		return
	}
	lines := strings.Split(text, "\n")
	if len(lines) == 1 {
		fmt.Fprintf(&g.out, "%s/** %s */\n", indent, lines[0])
		return
	}
	fmt.Fprintf(&g.out, "%s/**\n", indent)
	for _, l := range lines {
		fmt.Fprintf(&g.out, "%s * %s\n", indent, strings.TrimRight(l, " "))
	}
	fmt.Fprintf(&g.out, "%s */\n", indent)
}

func (g *tsGen) fields(st *ast.StructType) error {
	for _, f := range st.Fields.List {
		if len(f.Names) == 0 {
			return fmt.Errorf("embedded fields are not supported")
		}
		tag := ""
		if f.Tag != nil {
			t, _ := strconv.Unquote(f.Tag.Value)
			tag = reflect.StructTag(t).Get("json")
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !f.Names[0].IsExported() {
			continue
		}
		if name == "" {
			name = f.Names[0].Name
		}
		optional := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
		typ, nullable, err := g.typeOf(f.Type)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if nullable && !optional {
			typ += " | null"
		}
		doc := f.Doc
		if doc == nil {
			doc = f.Comment
		}
		g.comment(doc, "  ")
		q := ""
		if optional {
			q = "?"
		}
		fmt.Fprintf(&g.out, "  %s%s: %s;\n", name, q, typ)
	}
	return nil
}

// typeOf returns the TypeScript for a Go type, and whether JSON may carry
// null for it (a pointer).
func (g *tsGen) typeOf(e ast.Expr) (string, bool, error) {
	switch e := e.(type) {
	case *ast.Ident:
		switch e.Name {
		case "string":
			return "string", false, nil
		case "bool":
			return "boolean", false, nil
		case "int", "int64", "int32", "float64", "float32", "uint", "uint64":
			return "number", false, nil
		case "any":
			return "unknown", false, nil
		}
		return e.Name, false, nil // a type of this package
	case *ast.StarExpr:
		t, _, err := g.typeOf(e.X)
		return t, true, err
	case *ast.ArrayType:
		t, _, err := g.typeOf(e.Elt)
		if strings.Contains(t, " ") {
			t = "(" + t + ")"
		}
		return t + "[]", false, err
	case *ast.MapType:
		k, _, err := g.typeOf(e.Key)
		if err != nil {
			return "", false, err
		}
		v, _, err := g.typeOf(e.Value)
		return "Record<" + k + ", " + v + ">", false, err
	case *ast.SelectorExpr:
		switch fmt.Sprintf("%s.%s", e.X, e.Sel) {
		case "time.Time":
			return "string", false, nil
		case "time.Duration":
			return "number", false, nil
		}
		return "", false, fmt.Errorf("type %s.%s has no TypeScript form", e.X, e.Sel)
	case *ast.InterfaceType:
		return "unknown", false, nil
	}
	return "", false, fmt.Errorf("type %T has no TypeScript form", e)
}
