import { useStdout } from 'ink';
import { useEffect, useRef } from 'react';
import { type RunStatus, isTerminal } from '../../shared/metadata-schema.js';
import type { RunRows } from '../run-rows.js';

const RINGS = new Set<RunStatus>(['failed', 'awaiting_approval']);

// "Come look": the terminal bell when a run the TUI shows fails or starts waiting for approval while it watches
// (not for what was already so when it opened). Terminals and tmux turn the bell into whatever the user set. Only
// runs that can still change are watched (`moving`: the feed's and those followed in their folders, and those seen
// moving until they settle), each found in the list by binary search: a finished run costs nothing here.
export function useBell(entries: RunRows, moving: readonly string[], enabled: boolean): void {
  const { stdout } = useStdout();
  const seen = useRef<Map<string, RunStatus> | null>(null);
  useEffect(() => {
    const before = seen.current;
    const now = new Map<string, RunStatus>();
    for (const id of new Set([...moving, ...(before?.keys() ?? [])])) {
      const entry = entries.at(entries.indexOf(id));
      if (entry?.ok) now.set(id, entry.listing.status);
    }
    const watched = new Set(moving);
    seen.current = new Map([...now].filter(([id, status]) => watched.has(id) || !isTerminal(status)));
    if (!enabled || before === null) return;
    const rings = [...now].some(([id, status]) => RINGS.has(status) && before.has(id) && before.get(id) !== status);
    if (rings) stdout.write('\u0007');
  }, [entries, moving, enabled, stdout]);
}
