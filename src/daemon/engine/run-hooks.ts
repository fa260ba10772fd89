// What the daemon lends the runner beyond processes: approval gates and circuit breakers. The runner asks;
// it never knows whether a person, a timer or a test answers.

export type ApprovalAnswer = { approved: true; by: string } | { approved: false; reason: 'timeout' | 'cancelled' | 'unavailable' };

export interface ApprovalGate {
  /** Waits for `approve` of this run's stage, the timeout, or a cancel. */
  wait(runId: string, stage: number, timeoutMs: number | undefined, signal: AbortSignal): Promise<ApprovalAnswer>;
}

export interface Circuits {
  /** Epoch ms until which stages with this key fail fast, or null when the circuit is closed. */
  openUntil(key: string): number | null;
  /** Counts a finished attempt of a stage with this key. */
  record(key: string, ok: boolean): void;
}

// In the foreground there is nobody to ask: an approval gate fails at once, with a code saying what to do.
export const noApprovals: ApprovalGate = {
  wait: async () => ({ approved: false, reason: 'unavailable' }),
};
