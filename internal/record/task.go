// Task: a workflow step on an order. The measures read one kind: the
// pharmacy's refusal to fill a medication order (QI-Core TaskRejected,
// code "fulfill", status rejected, focus the MedicationRequest), which
// makes that order not count (measures.md CMS138).

package record

import "strings"

// DateFromLastModified: a Task's Date is its lastModified (when its status
// last changed) because it has no authoredOn.
const DateFromLastModified = "lastModified"

type task struct {
	common
	Code  *codeableOne `json:"code"`
	Focus *struct {
		Reference string `json:"reference"`
	} `json:"focus"`
	AuthoredOn   string `json:"authoredOn"`
	LastModified string `json:"lastModified"`
}

func (r *task) item() Item {
	it := r.base("Task")
	coded(&it, r.Code.cc())
	if r.Focus != nil {
		it.Focus = relativeRef(r.Focus.Reference)
	}
	it.Date = parseDate(r.AuthoredOn)
	if it.Date.IsZero() {
		if it.Date = parseDate(r.LastModified); !it.Date.IsZero() {
			it.DateFrom = DateFromLastModified
		}
	}
	return it
}

// relativeRef reduces a literal reference to "Type/id", the form an
// Item's Type and ID make: an absolute URL loses its base, a version its
// "/_history/n". A contained ("#x") or odd reference is kept as sent, and
// so matches no item.
func relativeRef(ref string) string {
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	if strings.Count(ref, "/") <= 1 {
		return ref
	}
	i := strings.LastIndexByte(ref, '/')
	j := strings.LastIndexByte(ref[:i], '/')
	return ref[j+1:]
}
