package agent

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/prep"
	"github.com/healthprep/desk/internal/screening"
)

// fill sets every field of v, however deep, to a value that is not its
// zero, so a field the wire conversion drops shows in the JSON.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := 0; i < 2; i++ {
			fill(v.Index(i))
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k)
		fill(e)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.String:
		v.SetString("x-" + v.Type().Name())
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(7)
	case reflect.Float64, reflect.Float32:
		v.SetFloat(9.5)
	}
}

func filled[T any]() T {
	var v T
	fill(reflect.ValueOf(&v).Elem())
	return v
}

func sameJSON(t *testing.T, what string, engine, wire any) {
	t.Helper()
	a, err := json.Marshal(engine)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(wire)
	if err != nil {
		t.Fatal(err)
	}
	var x, y any
	json.Unmarshal(a, &x)
	json.Unmarshal(b, &y)
	if !reflect.DeepEqual(x, y) {
		t.Errorf("%s: the wire form differs from the engine's:\nengine %s\nwire   %s", what, a, b)
	}
}

// Every field the engine and prep put in a day, a sheet or the catalogue
// editor reaches the API with the same JSON: a field added to prep and not
// to agent/api (or to the conversion) fails here, not silently in the UI.
func TestWireCarriesEveryField(t *testing.T) {
	day := filled[prep.Day]()
	sameJSON(t, "day", day, wireDay(day))
	sheet := filled[prep.Sheet]()
	sameJSON(t, "sheet", sheet, wireSheet(sheet))
	ss := filled[[]screening.ScreeningSummary]()
	sameJSON(t, "catalogue", ss, wireScreenings(ss))
	ps := filled[[]screening.Problem]()
	sameJSON(t, "problems", ps, wireProblems(ps))
	es := filled[[]api.CatalogueEdit]()
	sameJSON(t, "edits", es, unwireEdits(es))
}

// A list the engine left out stays out (null), and the lists the app
// always shows are empty ([]), not null: the conversion keeps which is which.
func TestWireKeepsLeftOutAndEmptyLists(t *testing.T) {
	s := wireSheet(prep.Sheet{})
	if s.Results != nil || s.Labs != nil || s.Measures == nil {
		t.Fatalf("an empty sheet: results %v, labs %v, measures %v", s.Results, s.Labs, s.Measures)
	}
	cs := wireScreenings([]screening.ScreeningSummary{{ID: "x"}})
	if cs[0].Variants != nil || cs[0].Modalities == nil {
		t.Fatalf("a screening with no variants or modalities: %+v", cs[0])
	}
	if wireProblems(nil) == nil || wireExclusions(nil) == nil || wireScreenings(nil) == nil {
		t.Fatal("an empty list went out as null")
	}
	r := wireResults([]screening.Result{{ID: "x"}})
	if r[0].Evidence != nil {
		t.Fatalf("a result with no evidence: %+v", r[0].Evidence)
	}
}
