import { execa } from 'execa';
import { DEFAULT_GRACE_MS, type Executor, type StageExit, type StageLaunch, type StageProcess } from './executor.js';

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

    let killTimer: NodeJS.Timeout | null = null;
    const signalGroup = (signal: NodeJS.Signals): void => {
      if (pgid === null) return;
      try {
        process.kill(-pgid, signal);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const terminate = (graceMs: number): void => {
      signalGroup('SIGTERM');
      killTimer ??= setTimeout(() => signalGroup('SIGKILL'), graceMs);
      killTimer.unref();
    };

    // When the stage's own process ends, whatever it left running in its group goes too, so the stage ends.
    child.once('exit', () => terminate(DEFAULT_GRACE_MS));

    const exited = child.then((result): StageExit => {
      if (killTimer) clearTimeout(killTimer);
      const spawnError = pgid === null || (result.exitCode === undefined && result.signal === undefined && result.code) ? String(result.code ?? 'spawn failed') : null;
      return {
        exitCode: result.exitCode ?? null,
        signal: result.signal ?? null,
        spawnError: spawnError ? `${spawnError}: ${(result.shortMessage ?? "").split('\n').pop() ?? ''}` : null,
      };
    });

    return {
      pgid,
      exited,
      stop(graceMs = DEFAULT_GRACE_MS) {
        terminate(graceMs);
        return exited;
      },
    };
  },
};
