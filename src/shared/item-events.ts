import type { RunEvent } from './events.js';
import type { Items, StageState } from './metadata-schema.js';

// A fan-out stage's items through its events: each event touches the running and failed lists (bounded by the
// stage's max_parallel and by what failed) and the counts, never a list of every item, so 10 000 items fold as
// cheaply as ten. Part of the one reducer (apply-event.ts calls it).

type ItemEvent = Extract<RunEvent, { type: 'stage.items' | 'item.started' | 'item.retrying' | 'item.succeeded' | 'item.failed' }>;

export function applyItemEvent(stage: StageState, event: ItemEvent, at: string): StageState {
  if (event.type === 'stage.items') {
    // Told again on a resume: the same items keep what they did; another count starts over.
    const kept = stage.items?.total === event.total ? stage.items : null;
    const items = kept ? { ...kept, base: kept.succeeded } : { total: event.total, next: 0, succeeded: 0, base: 0, running: [], failed: [] };
    return withItems(stage, items, at);
  }
  const items = stage.items;
  if (!items || event.item >= items.total) return stage;
  const running = items.running.filter((r) => r.index !== event.item);
  // Only an item started again (a resume, below `next`) can be among the failed: leaving the list untouched
  // otherwise keeps a fan-out whose items mostly fail from costing its whole failed list at every event.
  const failed = event.type === 'item.started' && event.item < items.next ? items.failed.filter((f) => f.index !== event.item) : items.failed;
  switch (event.type) {
    case 'item.started':
      return withItems(stage, {
        ...items,
        next: Math.max(items.next, event.item + 1),
        running: [...running, { index: event.item, attempt: event.attempt, started_at: at, next_attempt_at: null }],
        failed,
      }, at);
    case 'item.retrying': {
      const was = items.running.find((r) => r.index === event.item);
      if (!was) return stage;
      return withItems(stage, { ...items, running: [...running, { ...was, next_attempt_at: event.next_attempt_at }] }, at);
    }
    case 'item.succeeded':
      return withItems(stage, { ...items, running, failed, succeeded: items.succeeded + 1 }, at);
    case 'item.failed': {
      const attempts = items.running.find((r) => r.index === event.item)?.attempt ?? 1;
      return withItems(stage, { ...items, running, failed: [...failed, { index: event.item, attempts, code: event.error.code, message: event.error.message }] }, at);
    }
  }
}

/** Running items become failed ones with the run's interruption: a resume runs them again. */
export function interruptItems(items: Items, code: string, message: string): Items {
  const stopped = items.running.map((r) => ({ index: r.index, attempts: r.attempt, code, message }));
  return { ...items, running: [], failed: [...items.failed, ...stopped] };
}

// The stage's progress is its items succeeded of all, without it printing anything (its failed ones are counted
// beside: `items 734/1000 ✔ 730 ✖ 4`); a resume's bar starts where the last going left off.
function withItems(stage: StageState, items: Items, at: string): StageState {
  return { ...stage, items, progress: { current: items.succeeded, total: items.total, message: null, at, rate_per_s: null, remaining_ms: null, unit: null } };
}

/** The items a going of the stage must run: failed ones first, then those never started. */
export function itemsToRun(items: Items): number[] {
  const todo = [...items.failed.map((f) => f.index), ...items.running.map((r) => r.index)].sort((a, b) => a - b);
  for (let i = items.next; i < items.total; i++) todo.push(i);
  return todo;
}
