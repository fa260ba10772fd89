import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { arrayScript } from '../../src/daemon/slurm/job-array.js';

describe('squeue answers of job arrays', () => {
  it('keys a task by array and task, and answers for pending tasks from their ranges', async () => {
    const { parseSqueue } = await import('../../src/daemon/slurm/slurm-cli.js');
    // Real squeue -O JobID,ArrayJobID,ArrayTaskID,State,Reason,exit_code lines (Slurm 22.05), plus a plain job.
    const text = '675|675|1-3%2|PENDING|Resources|0\n676|675|0|RUNNING|None|0\n678|675|2|FAILED|NonZeroExitCode|256\n682|682|N/A|COMPLETED|None|0\n';
    const answer = parseSqueue(text, ['675_0', '675_1', '675_3', '675_9', '682']);
    expect(answer.get('675_0')).toMatchObject({ state: 'RUNNING' });
    expect(answer.get('675_1')).toMatchObject({ state: 'PENDING', reason: 'Resources' });
    expect(answer.get('675_3')).toMatchObject({ state: 'PENDING' });
    expect(answer.has('675_9')).toBe(false);
    expect(answer.get('675_2')).toMatchObject({ state: 'FAILED', exitCode: 1, signal: 0 });
    expect(answer.get('682')).toMatchObject({ state: 'COMPLETED', exitCode: 0 });
  });
});

describe('a job array task’s script', () => {
  it('reads its item from its own file, whatever the item holds, and runs the command with it in the environment', () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pipe tui's tasks "));
    writeFileSync(path.join(dir, '4'), '17\n$(touch pwned) "quoted"\nsecond line');
    const script = arrayScript(dir, ['sh', '-c', 'printf "%s|%s" "$PIPE_ITEM_INDEX" "$PIPE_ITEM"']);
    const out = execFileSync('sh', ['-c', script], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '4' }, cwd: dir, encoding: 'utf8' });
    expect(out).toBe('17|$(touch pwned) "quoted"\nsecond line');
  });
});
