package screening

import (
	"time"
)

// Status is a screening's state for a visit.
type Status string

const (
	Complete      Status = "complete"
	DueSoon       Status = "due_soon"
	Due           Status = "due"
	Excluded      Status = "excluded"
	NotApplicable Status = "not_applicable"
	NeedsReview   Status = "needs_review"
)

// Evidence is the resource that decided a result.
type Evidence struct {
	Type    string    `json:"type"`
	ID      string    `json:"id"`
	System  string    `json:"system,omitempty"`
	Code    string    `json:"code,omitempty"` // empty when a title keyword matched
	Display string    `json:"display,omitempty"`
	Date    time.Time `json:"date,omitzero"`
	// Text is the sentence a document's text evidence came from (doctext.go).
	Text *TextEvidence `json:"text,omitempty"`
}

// Result is one screening's outcome with its explanation.
type Result struct {
	ID       string     `json:"id"`
	Title    string     `json:"title"`
	Status   Status     `json:"status"`
	LastDone time.Time  `json:"lastDone,omitzero"`
	Modality string     `json:"modality,omitempty"`
	NextDue  time.Time  `json:"nextDue,omitzero"`
	Reason   string     `json:"reason"`
	Evidence []Evidence `json:"evidence,omitempty"`
	Rule     string     `json:"rule,omitempty"` // the trigger or exclusion that applied
	// Variant is the risk-group modifier that applied (e.g. diabetes).
	Variant string `json:"variant,omitempty"`
	// Review marks a result that rests on something the catalogue flags for
	// review: a code no value set confirmed, a title keyword, or an
	// interval no guideline fixes. ReviewNote says which.
	Review     bool   `json:"review,omitempty"`
	ReviewNote string `json:"reviewNote,omitempty"`
	// Attention says why a done screening still needs attention: its
	// newest reading is out of range ("poor control: 9.8 % on 2026-03-02").
	Attention string `json:"attention,omitempty"`
	// Missing names a fact the chart lacks that decides this result
	// ("birth date", "sex"): the sheet says it once for all results.
	Missing string `json:"missing,omitempty"`
	// Measure names the quality measures (eCQMs) the screening
	// corresponds to ("CMS125"); the sheet's measure view says how each
	// counts the patient.
	Measure string `json:"measure,omitempty"`
	// Details is for support, not the front desk: the codes, code groups,
	// value sets (OID, version) and rules behind the result.
	Details string `json:"details,omitempty"`
}
