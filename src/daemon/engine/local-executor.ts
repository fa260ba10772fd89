import { execa } from 'execa';
import { DEFAULT_GRACE_MS, type Executor, type StageExit, type StageLaunch, type StageProcess } from './executor.js';
import { stopGroup, stopLeftovers } from './process-groups.js';

/** After the group is gone, how long output may still drain before the pipes are closed on our side. */
const DRAIN_MS = 1000;

// Runs a stage as a child process that leads its own process group (`detached`), so one signal to the group
// reaches every grandchild: execa's own kill reaches only the direct child, and a grandchild holding the pipe
// would keep the stage from ever ending.
export const localExecutor: Executor = {
  start(launch: StageLaunch): StageProcess {
    const [file, args] = typeof launch.command === 'string' ? ['/bin/sh', ['-c', launch.command]] : [launch.command[0] ?? '', launch.command.slice(1)];
    const child = execa(file, args, {
      cwd: launch.cwd,
      env: launch.env,
      extendEnv: false,
      detached: true,
      cleanup: false,
      stdin: 'ignore',
      buffer: false,
      reject: false,
    });
    const pgid = child.pid ?? null;
    child.stdout?.on('data', (chunk: Buffer) => launch.onOutput(chunk, 'stdout'));
    child.stderr?.on('data', (chunk: Buffer) => launch.onOutput(chunk, 'stderr'));

    let leaderExit: StageExit | null = null;
    let stopping: Promise<void> | null = null;
    let forceSettle: (exit: StageExit) => void = () => undefined;
    const forced = new Promise<StageExit>((resolve) => (forceSettle = resolve));

    // Ends the whole group, then gives the pipes a moment; a process that left the group (setsid) and still
    // holds them must not keep the stage from ending, so they are closed on our side.
    const stop = (graceMs: number): Promise<void> => {
      stopping ??= (async () => {
        if (pgid !== null) await stopGroup(pgid, graceMs);
        const left = await stopLeftovers(launch.env, graceMs, pgid ?? undefined);
        if (left.length > 0) {
          const named = left.map((p) => `${p.pid} (${p.name})`).join(', ');
          void launch.onOutput(Buffer.from(`===== pipe-tui: stopped ${left.length} process${left.length > 1 ? 'es' : ''} the stage left running outside its group: ${named} =====\n`), 'stderr');
        }
        setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          forceSettle(leaderExit ?? { exitCode: null, signal: 'SIGKILL', spawnError: null });
        }, DRAIN_MS).unref();
      })();
      return stopping;
    };

    // When the stage's own process ends, whatever it left running in its group goes too, so the stage ends.
    child.once('exit', (code, signal) => {
      leaderExit = { exitCode: code, signal, spawnError: null };
      void stop(DEFAULT_GRACE_MS);
    });

    const finished = child.then((result): StageExit => {
      const failedToStart = pgid === null || (result.exitCode === undefined && result.signal === undefined && result.code);
      if (!failedToStart) return { exitCode: result.exitCode ?? null, signal: result.signal ?? null, spawnError: null };
      const reason = `${String(result.code ?? 'spawn failed')}: ${(result.shortMessage ?? '').split('\n').pop() ?? ''}`;
      return { exitCode: null, signal: null, spawnError: reason };
    });
    // Settled only once the group is gone too, so no stage outlives its record.
    const exited = Promise.race([finished, forced]).then(async (exit) => {
      await stopping;
      return exit;
    });

    return {
      pgid,
      exited,
      async stop(graceMs = DEFAULT_GRACE_MS) {
        await stop(graceMs);
        return exited;
      },
    };
  },
};
