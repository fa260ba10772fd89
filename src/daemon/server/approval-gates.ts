import type { ApprovalAnswer, ApprovalGate } from '../engine/run-hooks.js';

// The daemon's approval gates: a waiting stage parks a resolver here; `approve` releases it. Stages of a graph may
// wait side by side: an approval lets the first of them (in the pipeline's order) go on, the next one the next.
export class ApprovalGates implements ApprovalGate {
  private readonly waiting = new Map<string, Map<number, (answer: ApprovalAnswer) => void>>();

  wait(runId: string, stage: number, timeoutMs: number | undefined, signal: AbortSignal): Promise<ApprovalAnswer> {
    return new Promise((resolve) => {
      const done = (answer: ApprovalAnswer): void => {
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const run = this.waiting.get(runId);
        run?.delete(stage);
        if (run?.size === 0) this.waiting.delete(runId);
        resolve(answer);
      };
      const onAbort = (): void => done({ approved: false, reason: 'cancelled' });
      const timer = timeoutMs === undefined ? null : setTimeout(() => done({ approved: false, reason: 'timeout' }), timeoutMs);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      const run = this.waiting.get(runId) ?? new Map();
      run.set(stage, done);
      this.waiting.set(runId, run);
    });
  }

  /** Lets the run's first waiting stage go on; false when nothing of that run waits. */
  approve(runId: string, by: string): boolean {
    const run = this.waiting.get(runId);
    const first = run ? Math.min(...run.keys()) : null;
    const release = first === null ? undefined : run?.get(first);
    if (!release) return false;
    release({ approved: true, by });
    return true;
  }
}
