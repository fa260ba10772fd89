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
 * MinJobAge); a job it no longer holds is missing from the answer. A job array's task is asked for and answered
 * as `123_4`; its tasks still pending come as one line of ranges (`123|5-9%2|…`), answered for each task asked.
 */
export async function squeue(ids: string[]): Promise<Map<string, FinalStatus>> {
  if (ids.length === 0) return new Map();
  const result = await execa('squeue', ['-h', '-t', 'all', '-j', ids.join(','), '-O', 'JobID:|,ArrayJobID:|,ArrayTaskID:|,State:|,Reason:|,exit_code:'], { reject: false, timeout: TIMEOUT_MS });
  // squeue fails outright when none of the ids is known any more: an empty answer, not an error.
  return parseSqueue(String(result.stdout ?? ''), ids);
}

export function parseSqueue(text: string, ids: string[]): Map<string, FinalStatus> {
  const found = new Map<string, FinalStatus>();
  for (const line of text.split('\n')) {
    const [jobId, arrayId, task, state, reason, status] = line.trim().split('|').map((f) => f.trim());
    if (!jobId || !state) continue;
    // exit_code is the raw wait status: the exit code in its high byte, a signal in its low bits.
    const raw = Number(status);
    const known = status !== undefined && status !== '' && Number.isInteger(raw);
    const answer = { state, reason: cleanReason(reason), exitCode: known ? raw >> 8 : null, signal: known ? raw & 0x7f : null };
    if (!task || task === 'N/A') found.set(jobId, answer);
    else if (/^\d+$/.test(task)) found.set(`${arrayId}_${task}`, answer);
    else for (const id of ids) if (id.startsWith(`${arrayId}_`) && inRanges(task, Number(id.slice(arrayId?.length ? arrayId.length + 1 : 0)))) found.set(id, answer);
  }
  return found;
}

// `1-3,7,9-12%2`: Slurm's task ranges (the `%` limit after them), sometimes in brackets.
function inRanges(ranges: string, task: number): boolean {
  return ranges.replace(/^\[|\]$/g, '').split('%')[0]?.split(',').some((part) => {
    const [from, to = from] = part.split('-').map(Number);
    return from !== undefined && to !== undefined && task >= from && task <= to;
  }) ?? false;
}

/** What a running job uses, summed over its running steps (the batch step, each srun step), as sstat says it. */
export interface JobUsage {
  /**
   * CPU seconds each running step has used so far, by step ("batch", "0"…). Kept apart because a step that ends
   * leaves sstat's answer, its seconds with it: whoever adds them up keeps what a step was last seen to use.
   */
  cpuByStep: Map<string, number>;
  /** Resident memory of all the job's running tasks now. */
  rssBytes: number;
  /** The highest peak of any one task (MaxRSS): a floor for the job's own peak between two readings. */
  maxRssBytes: number;
}

const SSTAT_FIELDS = 'JobID,NTasks,AveCPU,AveRSS,MaxRSS,TRESUsageInTot';

/**
 * One sstat for many running jobs: what each uses now. A job sstat says nothing of (no step running yet, a
 * cluster that gathers no accounting) is missing from the answer; null only when there is no sstat here at all.
 */
export async function sstat(ids: string[]): Promise<Map<string, JobUsage> | null> {
  if (ids.length === 0) return new Map();
  // --allsteps: without it sstat shows only srun steps, and most jobs have none but the batch step.
  const args = ['--noheader', '--parsable2', '--allsteps', '-j', ids.join(','), `--format=${SSTAT_FIELDS}`];
  const result = await execa('sstat', args, { reject: false, timeout: TIMEOUT_MS }).catch(() => null);
  if ((result as { code?: string } | null)?.code === 'ENOENT') return null;
  // Unknown ids and jobs with no step yet are only lines on stderr; the exit code is 0 either way.
  return parseSstat(String(result?.stdout ?? ''));
}

/** `sstat --parsable2` lines of SSTAT_FIELDS, by job. */
export function parseSstat(text: string): Map<string, JobUsage> {
  const found = new Map<string, JobUsage>();
  for (const line of text.split('\n')) {
    const [jobStep, tasks, aveCpu, aveRss, maxRss, tresTot] = line.trim().split('|');
    const ids = /^([^.|]+)\.(.+)$/.exec(jobStep ?? '');
    const n = Number(tasks);
    // jobacct_gather/none answers every running step with 0 tasks, empty sizes and a nonsense AveCPU.
    if (!ids?.[1] || !ids[2] || !Number.isInteger(n) || n <= 0) continue;
    const tres = new Map((tresTot ?? '').split(',').map((item) => item.split('=') as [string, string | undefined]));
    // TRESUsageInTot sums the step's tasks; the per-task average times the tasks is the same where it is missing.
    const cpuS = parseDuration(tres.get('cpu')) ?? times(parseDuration(aveCpu), n);
    const rss = parseSize(tres.get('mem')) ?? times(parseSize(aveRss), n);
    if (cpuS === null || rss === null) continue;
    const job = found.get(ids[1]) ?? { cpuByStep: new Map<string, number>(), rssBytes: 0, maxRssBytes: 0 };
    job.cpuByStep.set(ids[2], cpuS);
    job.rssBytes += rss;
    job.maxRssBytes = Math.max(job.maxRssBytes, parseSize(maxRss) ?? 0);
    found.set(ids[1], job);
  }
  return found;
}

const times = (value: number | null, n: number): number | null => (value === null ? null : value * n);

/** Slurm's elapsed times: `1-02:03:04`, `02:03:04`, `03:04`, `25:02.000`; null for anything else. */
export function parseDuration(text: string | undefined): number | null {
  const m = /^(?:(\d+)-)?((?:\d+:){0,2}\d+(?:\.\d+)?)$/.exec(text?.trim() ?? '');
  if (!m?.[2]) return null;
  const seconds = m[2].split(':').reverse().reduce((sum, part, i) => sum + Number(part) * 60 ** i, 0);
  return Number(m[1] ?? 0) * 86_400 + seconds;
}

const UNITS = 'KMGTPE';

/** Slurm's sizes: `168144K`, `1.37M`, a bare number of bytes; null for anything else. */
export function parseSize(text: string | undefined): number | null {
  const m = /^(\d+(?:\.\d+)?)([KMGTPE]?)$/i.exec(text?.trim() ?? '');
  if (!m) return null;
  const unit = m[2] ? UNITS.indexOf(m[2].toUpperCase()) + 1 : 0;
  return Math.round(Number(m[1]) * 1024 ** unit);
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
