import type { ApprovalAnswer, ApprovalGate } from '../engine/run-hooks.js';

// The daemon's approval gates: a waiting stage parks a resolver here; `approve` releases it.
export class ApprovalGates implements ApprovalGate {
  private readonly waiting = new Map<string, (answer: ApprovalAnswer) => void>();

  wait(runId: string, _stage: number, timeoutMs: number | undefined, signal: AbortSignal): Promise<ApprovalAnswer> {
    return new Promise((resolve) => {
      const done = (answer: ApprovalAnswer): void => {
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiting.delete(runId);
        resolve(answer);
      };
      const onAbort = (): void => done({ approved: false, reason: 'cancelled' });
      const timer = timeoutMs === undefined ? null : setTimeout(() => done({ approved: false, reason: 'timeout' }), timeoutMs);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(runId, done);
    });
  }

  /** Lets the run's waiting stage go on; false when nothing of that run waits. */
  approve(runId: string, by: string): boolean {
    const release = this.waiting.get(runId);
    if (!release) return false;
    release({ approved: true, by });
    return true;
  }
}
