import type { Circuit } from '../../shared/protocol.js';
import { writeAtomic } from '../../workspace/atomic-write.js';
import { readCircuits } from '../../workspace/circuits-file.js';
import type { Circuits } from './run-hooks.js';

export interface CircuitOptions {
  /** Consecutive failures that open a circuit. */
  threshold: number;
  /** How long an open circuit stays open. */
  cooldownMs: number;
  /** Where circuits are kept across daemon restarts. */
  file: string;
}

// Stages naming the same `circuit:` share one breaker across runs: after `threshold` failures in a row it
// opens for `cooldownMs`, and those stages fail fast with ERR_CIRCUIT_OPEN instead of hammering a dead service.
export class CircuitBreaker implements Circuits {
  private readonly state = new Map<string, { failures: number; openUntil: number | null }>();
  private readonly listeners = new Set<(circuits: Circuit[]) => void>();

  constructor(private readonly options: CircuitOptions) {
    // No saved circuits, or unreadable ones: they start closed.
    for (const c of readCircuits(options.file)) this.state.set(c.key, { failures: c.failures, openUntil: c.open_until ? Date.parse(c.open_until) : null });
  }

  openUntil(key: string): number | null {
    const until = this.state.get(key)?.openUntil ?? null;
    return until !== null && until > Date.now() ? until : null;
  }

  record(key: string, ok: boolean): void {
    const entry = this.state.get(key) ?? { failures: 0, openUntil: null };
    if (ok) {
      entry.failures = 0;
      entry.openUntil = null;
    } else {
      entry.failures++;
      if (entry.failures >= this.options.threshold) entry.openUntil = Date.now() + this.options.cooldownMs;
    }
    this.state.set(key, entry);
    this.changed();
  }

  /** Every circuit with failures, open or not; open_until only while open. */
  list(): Circuit[] {
    return [...this.state].map(([key, s]) => ({
      key,
      failures: s.failures,
      open_until: s.openUntil !== null && s.openUntil > Date.now() ? new Date(s.openUntil).toISOString() : null,
    }));
  }

  onChange(listener: (circuits: Circuit[]) => void): void {
    this.listeners.add(listener);
  }

  private changed(): void {
    const circuits = this.list();
    for (const listener of this.listeners) listener(circuits);
    writeAtomic(this.options.file, `${JSON.stringify(circuits, null, 2)}\n`).catch(() => undefined);
  }
}
