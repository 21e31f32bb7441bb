package monitor

import (
	"fmt"
	"time"
)

// The daily budget: the audio a UTC day may stream. A probe reserves the
// most it can stream before it starts (reserve), so the budget is never
// passed; what it did stream is added after (spend).

// reserve reports whether a probe that streams at most audio seconds fits
// in today's budget. When it does not, the monitor says so once, in the
// log and in scribecheck_budget_exhausted, and probes nothing until the
// next UTC day.
func (mon *Monitor) reserve(audio float64) bool {
	mon.mu.Lock()
	defer mon.mu.Unlock()
	mon.rollDayLocked()
	budget := mon.o.BudgetAudioSeconds
	if budget <= 0 || mon.spentToday+audio <= budget {
		return true
	}
	if !mon.exhausted {
		mon.exhausted = true
		mon.m.exhausted.Set(1)
		mon.logf("budget reached: %.1f of %.1f audio-seconds spent today (UTC %s), and a probe may stream %.1f more: probing stops until the next UTC day",
			mon.spentToday, budget, mon.day, audio)
	}
	return false
}

// spend counts what a probe spent, today and in total.
func (mon *Monitor) spend(p probed) {
	mon.m.spent(p)
	mon.mu.Lock()
	defer mon.mu.Unlock()
	mon.rollDayLocked()
	mon.spentToday += p.spent.AudioSeconds
	mon.m.spentToday.Set(mon.spentToday)
}

// rollDay starts a new budget day when the UTC date has changed.
func (mon *Monitor) rollDay() {
	mon.mu.Lock()
	defer mon.mu.Unlock()
	mon.rollDayLocked()
}

func (mon *Monitor) rollDayLocked() {
	day := mon.o.Now().UTC().Format(time.DateOnly)
	if day == mon.day {
		return
	}
	if mon.exhausted {
		mon.logf("budget: a new UTC day (%s): probing resumes", day)
	}
	mon.day, mon.spentToday, mon.exhausted = day, 0, false
	mon.m.spentToday.Set(0)
	mon.m.exhausted.Set(0)
}

// todayLine ends a cycle's log line with the day's spending against the
// budget; "" when there is no budget.
func (mon *Monitor) todayLine() string {
	mon.mu.Lock()
	defer mon.mu.Unlock()
	if mon.o.BudgetAudioSeconds <= 0 {
		return ""
	}
	return fmt.Sprintf(" (today %.1f of %.1f audio-seconds)", mon.spentToday, mon.o.BudgetAudioSeconds)
}
