import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyEvent } from '../../src/shared/apply-event.js';
import { RunEvent } from '../../src/shared/events.js';
import { RunMetadata } from '../../src/shared/metadata-schema.js';
import { removeWorkspaces, runIn, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

describe('a pipeline run', () => {
  it('checks declared outputs: missing and empty ones fail with ERR_OUTPUT_MISSING', async () => {
    const ws = await tempWorkspace({
      good: "stages:\n  - id: make\n    run: 'mkdir -p out && echo data > out/a.txt'\n    outputs: [out/a.txt]\n",
      missing: "stages:\n  - id: make\n    run: 'true'\n    outputs: [out/nothing.txt]\n",
      empty: "stages:\n  - id: make\n    run: ': > empty.txt'\n    outputs: [empty.txt]\n",
    });
    const good = (await runIn(ws, 'good')).final;
    expect(good.status).toBe('succeeded');
    expect(good.completed_outputs).toEqual(['out/a.txt']);
    expect(good.stages[0]?.checkpoint?.outputs).toEqual(['out/a.txt']);
    for (const name of ['missing', 'empty']) {
      const { final } = await runIn(ws, name);
      expect(final.status).toBe('failed');
      expect(final.error).toMatchObject({ code: 'ERR_OUTPUT_MISSING', stage: 'make' });
    }
  });

  it('retries with backoff, counts attempts, and shows the next attempt while waiting', async () => {
    const ws = await tempWorkspace({
      flaky: `stages:
  - id: flaky
    run: 'echo "attempt $PIPE_ATTEMPT" >> attempts.txt; test "$PIPE_ATTEMPT" -ge 3 || exit 3'
    retries: { attempts: 4, backoff: exponential, min: 100ms, max: 300ms }
`,
    });
    const retrying: { next: number; waitMs: number }[] = [];
    const { final } = await runIn(ws, 'flaky', {
      onStart: (r) =>
        r.subscribe((event, state) => {
          if (event.type !== 'stage.retrying') return;
          expect(state.stages[0]?.status).toBe('retrying');
          retrying.push({ next: event.next_attempt, waitMs: Date.parse(event.next_attempt_at) - Date.parse(event.at) });
        }),
    });
    expect(final.status).toBe('succeeded');
    expect(final.stages[0]?.attempts).toBe(3);
    expect(retrying.map((r) => r.next)).toEqual([2, 3]);
    for (const r of retrying) {
      expect(r.waitMs).toBeGreaterThanOrEqual(99);
      expect(r.waitMs).toBeLessThanOrEqual(301);
    }
    expect(await readFile(path.join(ws, 'attempts.txt'), 'utf8')).toBe('attempt 1\nattempt 2\nattempt 3\n');
  });

  it('retries only what retries.on names', async () => {
    const ws = await tempWorkspace({
      narrow: "stages:\n  - id: s\n    run: 'exit 3'\n    retries: { attempts: 3, min: 10ms, max: 20ms, on: [4, ERR_STAGE_TIMEOUT] }\n",
      match: "stages:\n  - id: s\n    run: 'exit 4'\n    retries: { attempts: 3, min: 10ms, max: 20ms, on: [4] }\n",
      code: "stages:\n  - id: s\n    run: 'echo ::pipe:error ERR_RATE_LIMITED slow down'\n    retries: { attempts: 2, min: 10ms, max: 20ms, on: [ERR_RATE_LIMITED] }\n",
    });
    expect((await runIn(ws, 'narrow')).final.stages[0]?.attempts).toBe(1);
    expect((await runIn(ws, 'match')).final.stages[0]?.attempts).toBe(3);
    expect((await runIn(ws, 'code')).final.stages[0]?.attempts).toBe(2);
  });

  it('skips a failing optional stage, keeps its error, and goes on', async () => {
    const ws = await tempWorkspace({
      opt: "stages:\n  - id: extra\n    run: 'exit 2'\n    optional: true\n  - id: main\n    run: 'true'\n",
    });
    const { final } = await runIn(ws, 'opt');
    expect(final.status).toBe('succeeded');
    expect(final.stages[0]).toMatchObject({ status: 'skipped', error: { code: 'ERR_STAGE_EXIT', exit_code: 2 } });
    expect(final.current_state.progress).toBe('2/2');
  });

  it('passes parameters verbatim through the environment and never into a shell', async () => {
    const ws = await tempWorkspace({
      params: `params:
  evil: { default: "" }
stages:
  - id: echo
    run: 'printf "%s" "$PIPE_PARAM_EVIL" > got.txt; env | grep ^PIPE_ | sort > env.txt'
`,
    });
    const evil = '; rm -rf / ; $(touch pwned) `touch pwned2` "\' \\';
    const { final } = await runIn(ws, 'params', { params: { evil } });
    expect(final.status).toBe('succeeded');
    expect(await readFile(path.join(ws, 'got.txt'), 'utf8')).toBe(evil);
    await expect(stat(path.join(ws, 'pwned'))).rejects.toThrow();
    await expect(stat(path.join(ws, 'pwned2'))).rejects.toThrow();
    const env = await readFile(path.join(ws, 'env.txt'), 'utf8');
    expect(env).toContain(`PIPE_RUN_ID=${final.run_id}\n`);
    expect(env).toContain('PIPE_STAGE=echo\n');
    expect(env).toContain('PIPE_STAGE_INDEX=0\n');
    expect(env).toContain('PIPE_ATTEMPT=1\n');
    expect(env).toContain(`PIPE_WORKSPACE=${ws}\n`);
  });

  it('copies entities into numbered files and refuses paths that leave the workspace', async () => {
    const ws = await tempWorkspace({
      ent: `stages:
  - id: produce
    run: |
      echo '{"topic":"x"}' > input.json
      echo hello > transcript.txt
      echo "::pipe:entity input input.json"
      echo '::pipe:entity transcript transcript.txt {"model":"whisper-small"}'
      echo "::pipe:entity stolen ../../../../etc/passwd"
      echo "::pipe:entity bad/type input.json"
      echo "::pipe:cost 0.02"
      echo "::pipe:cost 0.015"
`,
    });
    const { final, recorder } = await runIn(ws, 'ent');
    expect(final.status).toBe('succeeded');
    expect(final.entities.map((e) => [e.sequence, e.filename, e.stage])).toEqual([
      [1, '01_input.json', 'produce'],
      [2, '02_transcript.txt', 'produce'],
    ]);
    expect(final.entities[1]?.metadata).toEqual({ model: 'whisper-small' });
    expect(await readFile(path.join(recorder.dir, '02_transcript.txt'), 'utf8')).toBe('hello\n');
    expect(final.total_cost_usd).toBeCloseTo(0.035);
    const log = await readFile(path.join(recorder.dir, final.stages[0]!.log), 'utf8');
    expect(log).toMatch(/entity stolen .* not recorded: ERR_ENTITY_INVALID/);
    expect(log).toMatch(/malformed ::pipe: line ignored .*bad\/type/);
    expect((await readdir(recorder.dir)).filter((f) => f.includes('stolen'))).toEqual([]);
  });

  it('writes metadata.json as the fold of events.ndjson through applyEvent, and an error entity on failure', async () => {
    const ws = await tempWorkspace({
      fails: `stages:
  - id: one
    run: echo ::pipe:progress 1/2 half; echo '::pipe:checkpoint {"n":1}'
  - id: two
    run: echo oops >&2; exit 5
`,
    });
    const { final, recorder } = await runIn(ws, 'fails');
    const events = (await readFile(path.join(recorder.dir, 'events.ndjson'), 'utf8')).trim().split('\n').map((l) => RunEvent.parse(JSON.parse(l)));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const folded = events.reduce<RunMetadata | null>((state, event) => applyEvent(state, event), null);
    const onDisk = RunMetadata.parse(JSON.parse(await readFile(path.join(recorder.dir, 'metadata.json'), 'utf8')));
    expect(onDisk).toEqual(folded);
    expect(onDisk).toEqual(final);
    expect(onDisk.stages[0]?.checkpoint?.data).toEqual({ n: 1 });
    expect(onDisk.error).toEqual({ code: 'ERR_STAGE_EXIT', message: 'exited with code 5', stage: 'two' });
    const errorEntity = onDisk.entities.find((e) => e.type === 'error');
    const body = JSON.parse(await readFile(path.join(recorder.dir, errorEntity!.filename), 'utf8'));
    expect(body).toMatchObject({ code: 'ERR_STAGE_EXIT', stage: 'two', exit_code: 5, signal: null, run_id: final.run_id });
    expect(typeof body.at).toBe('string');
    expect(await readFile(path.join(recorder.dir, 'logs/01_two.log'), 'utf8')).toContain('oops\n');
  });

  it('refuses a FIFO as an entity without blocking, keeps numbering without holes, and accepts names starting with ..', async () => {
    const ws = await tempWorkspace({
      odd: `stages:
  - id: s
    run: |
      mkfifo pipe.fifo
      mkdir adir
      echo dots > ..dots.txt
      echo "::pipe:entity fifo pipe.fifo"
      echo "::pipe:entity folder adir"
      echo "::pipe:entity dots ..dots.txt"
`,
    });
    const { final, recorder } = await runIn(ws, 'odd');
    expect(final.status).toBe('succeeded');
    expect(final.entities.map((e) => e.filename)).toEqual(['01_dots.txt']);
    const log = await readFile(path.join(recorder.dir, final.stages[0]!.log), 'utf8');
    expect(log).toContain('entity fifo pipe.fifo not recorded: ERR_ENTITY_INVALID');
    expect(log).toContain('entity folder adir not recorded: ERR_ENTITY_INVALID');
  });

  it('names a missing working directory instead of a spawn error', async () => {
    const ws = await tempWorkspace({ nocwd: "stages:\n  - id: s\n    run: 'true'\n    cwd: not/here\n" });
    const { final } = await runIn(ws, 'nocwd');
    expect(final.error).toMatchObject({ code: 'ERR_STAGE_SPAWN', message: 'working directory not/here does not exist' });
  });
});
