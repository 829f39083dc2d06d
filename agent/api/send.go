package api

import "time"

// SendSettings are the practice's choices for sending prep notes to the
// chart. Off unless a manager turns it on; sign-in asks Epic for the
// write scope only while it is on.
type SendSettings struct {
	Enabled  bool   `json:"enabled"`
	DailyCap int    `json:"dailyCap"` // notes a day; default 100
	NoteType string `json:"noteType"` // LOINC code; default 11506-3 (progress note)
	Format   string `json:"format"`   // "text" (default) or "html"
}

// SendRequest sends the prep notes of a day's visits: the appointments
// named, or every visit of the day that will happen when none are.
type SendRequest struct {
	Date           string   `json:"date"`
	AppointmentIDs []string `json:"appointmentIds,omitempty"`
}

// SentNote is a visit's note in the chart.
type SentNote struct {
	AppointmentID string    `json:"appointmentId"`
	NoteID        string    `json:"noteId,omitempty"` // the server's id; empty while unconfirmed
	At            time.Time `json:"at"`
	By            string    `json:"by"`
	Replaced      string    `json:"replaced,omitempty"` // the earlier note it replaced
	// Unconfirmed: Epic did not answer and could not be checked; the next
	// send checks the chart before writing.
	Unconfirmed bool `json:"unconfirmed,omitempty"`
	Recovered   bool `json:"recovered,omitempty"` // found in the chart after a lost answer
}

// SendFailure is a visit whose note was not sent, and why.
type SendFailure struct {
	AppointmentID string `json:"appointmentId"`
	Message       string `json:"message"`
}

// SendResult is what a send did.
type SendResult struct {
	Date     string        `json:"date"`
	Sent     []SentNote    `json:"sent"`
	Failed   []SendFailure `json:"failed"`
	Provider string        `json:"provider,omitempty"` // when every visit sent has one provider
	// SentToday and DailyCap: the day's count against the practice's cap.
	SentToday int `json:"sentToday"`
	DailyCap  int `json:"dailyCap"`
}

// SentNotes are a clinic day's notes by appointment id, for "sent 07:52
// by Front Desk" on the sheet and Today's rows.
type SentNotes struct {
	Date    string `json:"date"`
	Enabled bool   `json:"enabled"` // sending is on for the practice
	// CanWrite: the current sign-in may write notes; false means sign in
	// again (sending was turned on after it).
	CanWrite bool                `json:"canWrite"`
	Notes    map[string]SentNote `json:"notes"`
}
