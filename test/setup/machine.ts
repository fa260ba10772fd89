import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

// What the tests need of the machine. The Slurm tests need a running Slurm. `npm test` starts the one-node Slurm of ../shared/slurm (or its copy in
// .ci/slurm) when none answers and it may (root), so a bare `npm ci && npm test` in CI runs them for real; it
// stops only what it started.
const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPTS = [path.resolve(ROOT, '../shared/slurm'), path.join(ROOT, '.ci/slurm')];

const answers = (): boolean => spawnSync('sinfo', ['-h'], { stdio: 'ignore', timeout: 10_000 }).status === 0;

const has = (command: string): boolean => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

export default function setup(): (() => void) | undefined {
  // The terminal journeys drive the real binary in tmux: installed here too when missing and possible.
  if (!has('tmux') && process.getuid?.() === 0 && has('apt-get')) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env, timeout: 300_000 });
    spawnSync('apt-get', ['install', '-y', '-qq', 'tmux'], { stdio: 'inherit', env, timeout: 300_000 });
  }
  if (answers()) return undefined;
  const dir = SCRIPTS.find((d) => existsSync(path.join(d, 'start-slurm.sh')));
  if (!dir || process.getuid?.() !== 0) {
    process.stderr.write('[slurm] no Slurm answers and none can be started here: the Slurm tests skip (they fail in CI)\n');
    return undefined;
  }
  try {
    execFileSync(path.join(dir, 'start-slurm.sh'), { stdio: 'inherit', timeout: 600_000 });
  } catch {
    process.stderr.write('[slurm] start-slurm.sh failed: the Slurm tests skip (they fail in CI)\n');
    return undefined;
  }
  return () => {
    spawnSync(path.join(dir, 'stop-slurm.sh'), { stdio: 'inherit', timeout: 60_000 });
  };
}
