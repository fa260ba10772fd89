import { execa } from 'execa';
import { PipeError } from '../../shared/errors.js';

// The Slurm commands pipe-tui uses, each parsed into plain values. The CLI is the interface every Slurm site has
// (no REST daemon needed), and one squeue answers for every job at once.

export interface JobStatus {
  state: string;
  reason: string | null;
}

export interface FinalStatus extends JobStatus {
  exitCode: number | null;
  signal: number | null;
}

/** Job states after which a job never runs again. */
export const FINAL_STATES = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'REVOKED', 'SPECIAL_EXIT', 'LOST']);

const TIMEOUT_MS = 30_000;

/** Submits a batch script; the job's id. The environment goes to the job (sbatch exports it by default). */
export async function sbatch(script: string, args: string[], env: Record<string, string>): Promise<string> {
  const result = await execa('sbatch', ['--parsable', ...args, script], { env, extendEnv: false, reject: false, timeout: TIMEOUT_MS });
  const id = String(result.stdout ?? '').trim().split(';')[0] ?? '';
  if ((result as { code?: string }).code === 'ENOENT') {
    throw new PipeError('ERR_STAGE_SPAWN', 'sbatch is not on PATH: a stage with executor: slurm needs a Slurm client on this machine');
  }
  if (result.exitCode !== 0 || !/^\d+$/.test(id)) {
    throw new PipeError('ERR_STAGE_SPAWN', `sbatch refused the job: ${String(result.stderr || result.stdout || result.message).trim().slice(0, 500)}`);
  }
  return id;
}

/**
 * One squeue for many jobs: state, reason and exit of each job slurmctld still holds (ended ones too, for
 * MinJobAge); a job it no longer holds is missing from the answer.
 */
export async function squeue(ids: string[]): Promise<Map<string, FinalStatus>> {
  const found = new Map<string, FinalStatus>();
  if (ids.length === 0) return found;
  const result = await execa('squeue', ['-h', '-t', 'all', '-j', ids.join(','), '-O', 'JobID:|,State:|,Reason:|,exit_code:'], { reject: false, timeout: TIMEOUT_MS });
  // squeue fails outright when none of the ids is known any more: an empty answer, not an error.
  for (const line of String(result.stdout ?? '').split('\n')) {
    const [id, state, reason, status] = line.trim().split('|');
    if (!id || !state) continue;
    // exit_code is the raw wait status: the exit code in its high byte, a signal in its low bits.
    const raw = Number(status);
    const known = status !== undefined && status.trim() !== '' && Number.isInteger(raw);
    found.set(id.trim(), { state: state.trim(), reason: cleanReason(reason?.trim()), exitCode: known ? raw >> 8 : null, signal: known ? raw & 0x7f : null });
  }
  return found;
}

/** A job's state and exit from slurmctld's memory (MinJobAge), else from the job completion log (sacct -c). */
export async function finalStatus(id: string): Promise<FinalStatus | null> {
  const shown = await execa('scontrol', ['show', 'job', '-o', id], { reject: false, timeout: TIMEOUT_MS });
  const text = String(shown.stdout ?? '');
  const state = /\bJobState=(\S+)/.exec(text)?.[1];
  if (shown.exitCode === 0 && state) {
    const [code, signal] = parseExit(/\bExitCode=(\S+)/.exec(text)?.[1]);
    return { state, reason: cleanReason(/\bReason=(\S+)/.exec(text)?.[1]), exitCode: code, signal };
  }
  const acct = await execa('sacct', ['-c', '-n', '-P', '-j', id, '-o', 'jobid,state,exitcode'], { reject: false, timeout: TIMEOUT_MS });
  for (const line of String(acct.stdout ?? '').split('\n')) {
    const [jobId, accState, exit] = line.trim().split('|');
    if (jobId !== id || !accState) continue;
    const [code, signal] = parseExit(exit);
    // sacct writes "CANCELLED by 0": the state is the first word.
    return { state: accState.split(' ')[0] ?? accState, reason: null, exitCode: code, signal };
  }
  return null;
}

export async function scancel(id: string): Promise<void> {
  await execa('scancel', [id], { reject: false, timeout: TIMEOUT_MS });
}

/** Cancels every job of this user with that name (a job whose id was never recorded). */
export async function scancelByName(name: string): Promise<void> {
  await execa('scancel', ['--name', name], { reject: false, timeout: TIMEOUT_MS });
}

/** Whether this machine can submit Slurm jobs at all. */
export async function slurmAvailable(): Promise<boolean> {
  const result = await execa('sinfo', ['-h', '-o', '%T'], { reject: false, timeout: 5000 }).catch(() => null);
  return result?.exitCode === 0;
}

// "3:0" is exit code 3, signal 0.
function parseExit(text: string | undefined): [number | null, number | null] {
  const m = /^(\d+):(\d+)$/.exec(text ?? '');
  return m ? [Number(m[1]), Number(m[2])] : [null, null];
}

const cleanReason = (reason: string | undefined): string | null => (!reason || reason === 'None' || reason === '(null)' ? null : reason);
