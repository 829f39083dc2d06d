package screening

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Period is a calendar interval: years and months move by the calendar,
// days by days. Fractions are folded down (P0.5Y = 6 months, P1.5M = 1
// month 15 days) so arithmetic stays calendar-true.
type Period struct{ Years, Months, Days int }

var isoPeriod = regexp.MustCompile(`^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?$`)

// ParsePeriod reads an ISO 8601 date duration (P10Y, P6M, P60D, P4W, P1Y6M,
// P0.5Y). Times (PT...) and negative values are refused.
func ParsePeriod(s string) (Period, error) {
	m := isoPeriod.FindStringSubmatch(s)
	switch {
	case strings.Contains(s, "-"):
		return Period{}, fmt.Errorf("%q is negative; give a duration like P1Y, P6M or P60D", s)
	case strings.HasPrefix(s, "PT"):
		return Period{}, fmt.Errorf("%q is a time of day; give days, weeks, months or years like P60D", s)
	case m == nil || s == "P":
		return Period{}, fmt.Errorf("%q is not an ISO 8601 duration like P1Y, P6M or P60D", s)
	}
	num := func(i int) float64 {
		if m[i] == "" {
			return 0
		}
		v, _ := strconv.ParseFloat(m[i], 64)
		return v
	}
	years, months, weeks, days := num(1), num(2), num(3), num(4)
	if years*365+months*31+weeks*7+days > 200*366 {
		return Period{}, fmt.Errorf("%q is longer than 200 years", s)
	}
	p := Period{Years: int(years)}
	months += (years - math.Floor(years)) * 12
	p.Months = int(months)
	days += weeks*7 + (months-math.Floor(months))*30
	p.Days = int(math.Round(days))
	// Keep months below 12 for a tidy form.
	p.Years += p.Months / 12
	p.Months %= 12
	return p, nil
}

// approxDays is the period's length in days, months counted as 30.4 days:
// for comparing periods, not for dates.
func (p Period) approxDays() float64 {
	return float64(p.Years)*365.25 + float64(p.Months)*30.44 + float64(p.Days)
}

// Longest is the longest the period can last from any date (years of 366
// days, months of 31): a safe history window.
func (p Period) Longest() time.Duration {
	return time.Duration(p.Years*366+p.Months*31+p.Days) * 24 * time.Hour
}

// IsZero reports an empty period.
func (p Period) IsZero() bool { return p == Period{} }

// AddTo returns t moved forward by p. A day that does not exist in the
// target month clamps to its last day (Feb 29 + 1 year = Feb 28), which
// AddDate would roll into March.
func (p Period) AddTo(t time.Time) time.Time { return p.shift(t, 1) }

// SubFrom returns t moved back by p, with the same clamping.
func (p Period) SubFrom(t time.Time) time.Time { return p.shift(t, -1) }

func (p Period) shift(t time.Time, sign int) time.Time {
	y, m, d := t.Date()
	total := int(m) - 1 + sign*(p.Years*12+p.Months)
	ny := y + floorDiv(total, 12)
	nm := time.Month(floorMod(total, 12) + 1)
	if last := daysIn(ny, nm); d > last {
		d = last
	}
	out := time.Date(ny, nm, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	return out.AddDate(0, 0, sign*p.Days)
}

func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }

func (p Period) String() string {
	if p.IsZero() {
		return "P0D"
	}
	s := "P"
	if p.Years > 0 {
		s += strconv.Itoa(p.Years) + "Y"
	}
	if p.Months > 0 {
		s += strconv.Itoa(p.Months) + "M"
	}
	if p.Days > 0 {
		s += strconv.Itoa(p.Days) + "D"
	}
	return s
}

// Words writes the period for a person: "15 years", "1 year 6 months",
// "60 days".
func (p Period) Words() string {
	var parts []string
	add := func(n int, unit string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+unit)
		case n > 1:
			parts = append(parts, strconv.Itoa(n)+" "+unit+"s")
		}
	}
	add(p.Years, "year")
	add(p.Months, "month")
	add(p.Days, "day")
	if len(parts) == 0 {
		return "0 days"
	}
	return strings.Join(parts, " ")
}

// Day-number arithmetic for the engine: days since 1970-01-01 to a civil
// date and back without time.Time (Hinnant's algorithms), since every
// interval of every screening is shifted once per patient.

func civilFromDays(n int32) (y, m, d int) {
	z := int(n) + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func daysFromCivil(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

var monthDays = [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func daysInMonth(y, m int) int {
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		return 29
	}
	return monthDays[m]
}

// shiftDays is shift on a day number: calendar months (the day kept, or
// the month's last), then days.
func (p Period) shiftDays(n int32, sign int) int32 {
	y, m, d := civilFromDays(n)
	total := m - 1 + sign*(p.Years*12+p.Months)
	ny, nm := y+floorDiv(total, 12), floorMod(total, 12)+1
	if last := daysInMonth(ny, nm); d > last {
		d = last
	}
	return daysFromCivil(ny, nm, d) + int32(sign*p.Days)
}
