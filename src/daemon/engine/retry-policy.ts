import type { StageSpec } from '../../shared/pipeline-schema.js';
import type { StageError } from '../../shared/metadata-schema.js';

export type RetryPolicy = NonNullable<StageSpec['retries']>;

export const maxAttempts = (stage: StageSpec): number => stage.retries?.attempts ?? 1;

// Without `on`, every failure but a cancel is retried; with it, only the exit codes and ERR_* codes it names.
export function isRetryable(policy: RetryPolicy | undefined, error: StageError): boolean {
  if (!policy || error.code === 'ERR_CANCELLED') return false;
  if (!policy.on || error.code === 'ERR_CIRCUIT_OPEN') return true;
  return policy.on.some((entry) => (typeof entry === 'number' ? entry === error.exit_code : entry === error.code));
}

// Delay before attempt `failedAttempt + 1`: min·2^(n-1) capped at max, then jittered by ±25% so that runs
// failing together do not retry in lockstep, and always kept within [min, max].
export function backoffDelay(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const base = policy.backoff === 'fixed' ? policy.min : Math.min(policy.max, policy.min * 2 ** (failedAttempt - 1));
  const jittered = base * (0.75 + random() * 0.5);
  return Math.round(Math.min(policy.max, Math.max(policy.min, jittered)));
}
