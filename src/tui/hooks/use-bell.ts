import { useStdout } from 'ink';
import { useEffect, useRef } from 'react';
import type { RunEntry } from '../run-entries.js';

const RINGS = new Set(['failed', 'awaiting_approval']);

// "Come look": the terminal bell when a run the TUI shows fails or starts waiting for approval while it watches
// (not for what was already so when it opened). Terminals and tmux turn the bell into whatever the user set.
export function useBell(entries: RunEntry[], enabled: boolean): void {
  const { stdout } = useStdout();
  const seen = useRef<Map<string, string> | null>(null);
  useEffect(() => {
    const before = seen.current;
    const now = new Map(entries.flatMap((e) => (e.ok ? [[e.run.run_id, e.run.status] as const] : [])));
    seen.current = now;
    if (!enabled || before === null) return;
    const rings = [...now].some(([id, status]) => RINGS.has(status) && before.has(id) && before.get(id) !== status);
    if (rings) stdout.write('\u0007');
  }, [entries, enabled, stdout]);
}
