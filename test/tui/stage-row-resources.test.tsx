import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { StageRow } from '../../src/tui/components/StageRow.js';
import type { StageState } from '../../src/shared/metadata-schema.js';
import { resourcesText } from '../../src/shared/progress-text.js';

const GIB = 1024 ** 3;
const running = (resources: StageState['resources']): StageState => ({
  id: 'train', index: 0, optional: false, status: 'running', attempts: 1, max_attempts: 1, next_attempt_at: null,
  started_at: '2026-12-01T00:00:00.000Z', attempt_started_at: '2026-12-01T00:00:00.000Z', ended_at: null, duration_ms: null,
  progress: null, eta_ms: null, expected_ms: null, expected_samples: 0, cost_usd: 0, malformed_lines: 0, error: null,
  log: 'logs/00_train.log', outputs: [], checkpoint_data: null, checkpoint: null, pgid: 100, approval_timeout_at: null,
  approved_by: null, approved_at: null, reset_reason: null, job: null, silent_since: null, resources, needs: null, items: null, waiting_for: null,
});

describe('a stage row’s resources', () => {
  it('shows the running stage’s memory and CPU, and nothing before the first reading', () => {
    const now = Date.parse('2026-12-01T00:00:05.000Z');
    const { lastFrame } = render(<StageRow stage={running({ cpu_pct: 180, rss_bytes: 2.1 * GIB, peak_rss_bytes: 2.3 * GIB, cpu_s: 9, gpu_bytes: null, peak_gpu_bytes: null })} selected={false} width={80} now={now} />);
    expect(lastFrame()).toMatch(/train\s+2\.1 GiB 180%/);
    const none = render(<StageRow stage={running(null)} selected={false} width={80} now={now} />);
    expect(none.lastFrame()).not.toMatch(/GiB|MiB|%/);
  });

  it('says a finished stage’s peak and CPU time', () => {
    expect(resourcesText({ cpu_pct: 0, rss_bytes: 0, peak_rss_bytes: 2.3 * GIB, cpu_s: 41.25, gpu_bytes: null, peak_gpu_bytes: null }, false)).toBe('peak 2.3 GiB, 41.3s CPU');
  });

  it('adds the GPU memory nvidia-smi saw, running and at its peak', () => {
    const r = { cpu_pct: 95, rss_bytes: 1.5 * GIB, peak_rss_bytes: 2 * GIB, cpu_s: 30, gpu_bytes: 3.2 * GIB, peak_gpu_bytes: 4 * GIB };
    expect(resourcesText(r, true)).toBe('1.5 GiB 95% gpu 3.2 GiB');
    expect(resourcesText(r, false)).toBe('peak 2 GiB, gpu 4 GiB, 30s CPU');
    // nvidia-smi answered but the stage held none: nothing about a GPU.
    expect(resourcesText({ ...r, gpu_bytes: 0, peak_gpu_bytes: 0 }, true)).toBe('1.5 GiB 95%');
  });

  it('says a running Slurm job’s memory is unknown until sstat answers', () => {
    const now = Date.parse('2026-12-01T00:00:05.000Z');
    const job = { executor: 'slurm' as const, id: '42', state: 'RUNNING', reason: null, output: 'slurm/00_train.1.out' };
    const { lastFrame } = render(<StageRow stage={{ ...running(null), pgid: null, job }} selected={false} width={100} now={now} />);
    expect(lastFrame()).toMatch(/slurm 42 RUNNING\s+mem unknown/);
    expect(resourcesText(null, false, job)).toBeNull();
    expect(resourcesText(null, true, { state: 'PENDING' })).toBeNull();
  });

  it('says a stage waits for a slot of its pool', () => {
    const now = Date.parse('2026-12-01T00:00:05.000Z');
    const waiting = { ...running(null), status: 'pending' as const, started_at: null, waiting_for: { pool: 'gpu', size: 2 } };
    expect(render(<StageRow stage={waiting} selected={false} width={80} now={now} />).lastFrame()).toMatch(/train\s+waiting for gpu \(2 of 2 busy\)/);
  });
});
