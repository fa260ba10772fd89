import { type RunStatus, isTerminal } from '../shared/metadata-schema.js';
import { shortRunId } from '../shared/names.js';
import { itemMoved, itemOrder } from './item-order.js';
import { failureKey, logKey } from './keymap-log.js';
import type { Effect, KeyContext, KeyFlags } from './keymap.js';
import type { ConfirmAction, UiAction, UiState } from './ui-state.js';

// The main screen's keys: moving through runs, stages and the log, and the commands on the selected run. A command
// that changes a run asks for `y` first, and one that cannot apply says why instead of asking.

export type KeyAnswer = { actions: UiAction[]; effects: Effect[] };
export const act = (...actions: UiAction[]): KeyAnswer => ({ actions, effects: [] });
export const none: KeyAnswer = { actions: [], effects: [] };
const effect = (...effects: Effect[]): KeyAnswer => ({ actions: [], effects });
const note = (text: string): KeyAnswer => act({ type: 'note', note: text });

const KEEP = 'y to confirm, any other key to keep it';
const RESUMABLE = new Set<RunStatus>(['failed', 'cancelled', 'interrupted']);

export function mainKey(ui: UiState, input: string, key: KeyFlags, ctx: KeyContext): KeyAnswer {
  const runId = ctx.selectedId;
  if (input === 'q') return effect({ type: 'exit' });
  // With the log open, its own keys (search, filter, copy, its ends) come first.
  const logged = ui.showLog && runId && ctx.stageCount > 0 ? logKey(ui, input, key, ctx, runId) : null;
  if (logged) return logged;
  if (input === 'E' && runId && ctx.stageCount > 0) return failureKey(ui, runId);
  if (input === 'j' || key.downArrow) return act({ type: 'move', delta: 1, runs: ctx.runs, from: runId });
  if (input === 'k' || key.upArrow) return act({ type: 'move', delta: -1, runs: ctx.runs, from: runId });
  // Home, End, PgUp and PgDn move through the log while it is open, else through the list: to its ends, as g and
  // G do, and a page (the list's height) at a time.
  if (input === 'g' || (key.home && !ui.showLog)) return act({ type: 'jump', to: 'newest' });
  if (input === 'G' || (key.end && !ui.showLog)) return act({ type: 'jump', to: 'oldest' });
  if ((key.pageUp || key.pageDown) && !ui.showLog) return act({ type: 'move', delta: (key.pageUp ? -1 : 1) * Math.max(1, ctx.listRows), runs: ctx.runs, from: runId });
  // Enter on a fan-out stage lists its items (each with its own log); `l` still shows the stage's own log.
  if (key.return && runId && ctx.items) return act({ type: 'items', runId, stage: ctx.stageIndex, item: itemMoved(itemOrder(ctx.items), null, 0) });
  if (key.return || input === 'l') return act({ type: 'toggle-log' });
  if (input === '?') return act({ type: 'overlay', overlay: 'help' });
  if (input === 'n') return act({ type: 'overlay', overlay: 'picker' });
  if (input === '/') return act({ type: 'overlay', overlay: 'search' });
  if (key.escape && ui.filter) return act({ type: 'filter', filter: '' });
  if (input === 'D') return ctx.daemonUp ? note('the daemon is already running') : effect({ type: 'start-daemon' });
  if (!runId) return none;
  if (key.leftArrow || input === 'h') return act({ type: 'stage', runId, delta: -1, count: ctx.stageCount, current: ctx.stageIndex });
  if (key.rightArrow) return act({ type: 'stage', runId, delta: 1, count: ctx.stageCount, current: ctx.stageIndex });
  if (input === 'f' || key.end) return act({ type: 'log-top', runId, top: null });
  if (key.pageUp) return effect({ type: 'log-page', move: 'up', runId });
  if (key.pageDown) return effect({ type: 'log-page', move: 'down', runId });
  if (key.home) return effect({ type: 'log-page', move: 'top', runId });
  if (input === 'e') return act({ type: 'overlay', overlay: 'entities' });
  if (input === 's') return act({ type: 'overlay', overlay: 'stats' });
  return runCommand(input, runId, ctx);
}

// c, r, a, R and d on the selected run (a folder that cannot be read has no status: the daemon then decides).
function runCommand(input: string, runId: string, ctx: KeyContext): KeyAnswer {
  const { status } = ctx;
  const ask = (question: string, confirm: ConfirmAction) => act({ type: 'confirm', confirm: { question: `${question}? ${KEEP}`, ...confirm } });
  switch (input) {
    case 'c':
      if (status && isTerminal(status)) return note(`run ${runId} already finished (${status}): nothing to cancel`);
      return ask(`Cancel run ${runId}`, { body: { command: 'cancel', run_id: runId }, done: 'cancelled' });
    case 'r':
      if (status === 'succeeded') return note(`run ${runId} succeeded: nothing to resume (R runs it again)`);
      if (status && !RESUMABLE.has(status)) return note(`run ${runId} is still ${status}: nothing to resume`);
      return ask(`Resume run ${runId}`, { body: { command: 'resume', run_id: runId }, done: 'resumed' });
    case 'a':
      if (status && status !== 'awaiting_approval') return note(`run ${runId} is not waiting for an approval (it is ${status})`);
      return ask(`Approve run ${runId}`, { body: { command: 'approve', run_id: runId, by: ctx.user }, done: 'approved' });
    case 'R': {
      if (!ctx.run) return none;
      const { pipeline, pipeline_file, params } = ctx.run;
      return ask(`Run ${pipeline} again (same params as ${shortRunId(runId)})`, {
        body: { command: 'run', pipeline: pipeline_file ?? pipeline, params },
        done: `started ${pipeline} again`,
        select: true,
      });
    }
    case 'd':
      // The folder goes for good, so after a y, and never under a live run (the removal checks that again).
      if (status && !isTerminal(status)) return note(`run ${runId} is still ${status}: cancel it (c) before deleting it`);
      return ask(`Delete run ${runId} and its folder`, { remove: runId });
    default:
      return none;
  }
}
