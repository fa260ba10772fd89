import { useEffect, useState } from 'react';

// The clock for durations and countdowns: ticks once a second while something is moving, never when idle.
export function useNow(moving: boolean): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!moving) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [moving]);
  return now;
}
