// A pipeline's stages as a graph: what each stage needs before it may start. A stage that says `needs:` needs
// exactly those stages (`needs: []`: none, it starts with the run); one that does not needs the stage listed before
// it. So a file without any `needs:` runs in order, as pipelines always have, and a graph is opted into stage by
// stage. Pure: the schema checks with it, the engine schedules by it, the reducer and the TUI read it.

export interface GraphStage {
  id: string;
  /** As written in the file; undefined: the stage before it. */
  needs?: readonly string[] | null;
}

/** Each stage's needs as indexes, in the order written; unknown ids are left out (the schema refuses them). */
export function needIndexes(stages: readonly GraphStage[]): number[][] {
  const index = new Map(stages.map((s, i) => [s.id, i]));
  return stages.map((s, i) => {
    if (s.needs === undefined || s.needs === null) return i === 0 ? [] : [i - 1];
    return [...new Set(s.needs.flatMap((id) => (index.has(id) ? [index.get(id) as number] : [])))];
  });
}

/** Each stage's needs as ids, the implicit "the stage before" spelled out: what a run records. */
export const resolvedNeeds = (stages: readonly GraphStage[]): string[][] =>
  needIndexes(stages).map((needs) => needs.map((i) => stages[i]?.id as string));

/** A cycle as the ids along it (`a → b → a`), or null when there is none. */
export function findCycle(stages: readonly GraphStage[]): string[] | null {
  const needs = needIndexes(stages);
  // 0: not seen, 1: on the current path, 2: done.
  const mark = new Array<number>(stages.length).fill(0);
  const path: number[] = [];
  const visit = (i: number): number[] | null => {
    if (mark[i] === 2) return null;
    if (mark[i] === 1) return [...path.slice(path.indexOf(i)), i];
    mark[i] = 1;
    path.push(i);
    for (const n of needs[i] ?? []) {
      const cycle = visit(n);
      if (cycle) return cycle;
    }
    path.pop();
    mark[i] = 2;
    return null;
  };
  for (let i = 0; i < stages.length; i++) {
    const cycle = visit(i);
    // Found walking needs backwards: say it in the order work flows.
    if (cycle) return cycle.reverse().map((n) => stages[n]?.id as string);
  }
  return null;
}

/** The stage and every stage that needs it, directly or through others: what a `reset --to` forgets. */
export function downstream(needs: readonly (readonly number[])[], from: number): Set<number> {
  const found = new Set([from]);
  let grew = true;
  while (grew) {
    grew = false;
    needs.forEach((list, i) => {
      if (!found.has(i) && list.some((n) => found.has(n))) {
        found.add(i);
        grew = true;
      }
    });
  }
  return found;
}

/** Whether any stage may start before the one listed before it ends: a pipeline that is a graph, not a line. */
export const isGraph = (needs: readonly (readonly number[])[]): boolean =>
  !needs.every((list, i) => (i === 0 ? list.length === 0 : list.length === 1 && list[0] === i - 1));

/**
 * The longest remaining path through the graph: parallel branches overlap rather than add up. `left[i]` is stage
 * i's time left (0 when done); null when a stage on the way has no figure.
 */
export function criticalPathMs(needs: readonly (readonly number[])[], left: readonly (number | null)[]): number | null {
  const finish: (number | null)[] = [];
  let longest = 0;
  for (const i of topologicalOrder(needs)) {
    const own = left[i];
    if (own === null || own === undefined) return null;
    let start = 0;
    for (const n of needs[i] ?? []) start = Math.max(start, finish[n] ?? 0);
    finish[i] = start + own;
    longest = Math.max(longest, finish[i] as number);
  }
  return longest;
}

/** Indexes with every stage after all it needs; a cycle's stages (refused by the schema) come last, as listed. */
export function topologicalOrder(needs: readonly (readonly number[])[]): number[] {
  const order: number[] = [];
  const placed = new Set<number>();
  let grew = true;
  while (grew) {
    grew = false;
    needs.forEach((list, i) => {
      if (!placed.has(i) && list.every((n) => placed.has(n))) {
        placed.add(i);
        order.push(i);
        grew = true;
      }
    });
  }
  needs.forEach((_, i) => placed.has(i) || order.push(i));
  return order;
}

/**
 * What a pending stage of a graph still waits for, as a row says it (`← b, c`); null in a line of stages (each
 * waits for the one above it, which the list shows) and for a stage not pending or no longer waiting.
 */
export function waitingText(stages: readonly (GraphStage & { status: string })[], index: number, ascii = false): string | null {
  const needs = needIndexes(stages);
  const stage = stages[index];
  if (!stage || stage.status !== 'pending' || !isGraph(needs)) return null;
  const open = (needs[index] ?? []).flatMap((n) => (stages[n]?.status === 'succeeded' || stages[n]?.status === 'skipped' ? [] : [stages[n]?.id as string]));
  return open.length === 0 ? null : `${ascii ? '<-' : '←'} ${open.join(', ')}`;
}
