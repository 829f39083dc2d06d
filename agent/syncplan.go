package agent

import (
	"fmt"
	"strings"
	"time"
)

// syncPlan says when the agent syncs on its own: at SyncAt on clinic days,
// then every `every` until ClinicEnd. It is the sync part's plan, made
// from the practice's settings (runSchedule follows it).
type syncPlan struct {
	start, end time.Duration // offsets from local midnight
	every      time.Duration
	days       map[time.Weekday]bool
	loc        *time.Location
}

func parseHHMM(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a time like 06:30", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

func newSyncPlan(p Practice) (syncPlan, error) {
	p = p.withDefaults()
	start, err := parseHHMM(p.SyncAt)
	if err != nil {
		return syncPlan{}, fmt.Errorf("morning sync time: %w", err)
	}
	end, err := parseHHMM(p.ClinicEnd)
	if err != nil {
		return syncPlan{}, fmt.Errorf("clinic end time: %w", err)
	}
	if end <= start {
		return syncPlan{}, fmt.Errorf("the clinic end time %s must be after the morning sync time %s", p.ClinicEnd, p.SyncAt)
	}
	if p.SyncEveryMinutes < 5 {
		return syncPlan{}, fmt.Errorf("syncing every %d minutes is too often: use 5 or more", p.SyncEveryMinutes)
	}
	days := map[time.Weekday]bool{}
	for _, d := range p.ClinicDays {
		wd, ok := weekdays[strings.ToLower(strings.TrimSpace(d))[:min(3, len(strings.TrimSpace(d)))]]
		if !ok {
			return syncPlan{}, fmt.Errorf("%q is not a day of the week", d)
		}
		days[wd] = true
	}
	return syncPlan{start: start, end: end, every: time.Duration(p.SyncEveryMinutes) * time.Minute, days: days, loc: p.Location()}, nil
}

// next returns the first planned sync strictly after now.
func (sp syncPlan) next(now time.Time) time.Time {
	now = now.In(sp.loc)
	for i := 0; i < 8; i++ {
		day := time.Date(now.Year(), now.Month(), now.Day()+i, 0, 0, 0, 0, sp.loc)
		if !sp.days[day.Weekday()] {
			continue
		}
		// Walk the day's slots in wall-clock time (time.Date normalises the
		// minutes), so 06:30 stays 06:30 on the day clocks change.
		for off := sp.start; off <= sp.end; off += sp.every {
			t := time.Date(day.Year(), day.Month(), day.Day(), 0, int(off/time.Minute), 0, 0, sp.loc)
			if t.After(now) {
				return t
			}
		}
	}
	return time.Time{} // no clinic days configured
}
