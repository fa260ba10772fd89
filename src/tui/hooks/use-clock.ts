import { useEffect, useState } from 'react';

// The clock for ages, durations and countdowns: one timer, ticking at the rate the screen needs (selectors.ts
// clockTick), none while nothing shown depends on the time. Every render reads the time afresh, so a frame drawn
// for an event shows that moment, not the last tick's.
export function useClock(tickMs: number | null): number {
  const [, setTicks] = useState(0);
  useEffect(() => {
    if (tickMs === null) return;
    const timer = setInterval(() => setTicks((n) => n + 1), tickMs);
    return () => clearInterval(timer);
  }, [tickMs]);
  return Date.now();
}
