import * as z from 'zod';

// `pipe-tui.yaml` at the workspace's root: settings of the workspace itself (not of a pipeline). Optional.
const Days = z.number().positive().max(36_500);

/** A pool's name: it names files in .pipe-tui/pools/, so nothing that could be a path. */
export const POOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export const WorkspaceConfig = z
  .object({
    /** Finished runs older than this many days are removed by the daemon, once a day. */
    retention: z
      .object({
        /** Succeeded runs (and every ended run, when keep_failed_days is not given). */
        keep_days: Days.optional(),
        /** Runs that failed, were cancelled or interrupted: usually kept longer, for their errors. */
        keep_failed_days: Days.optional(),
      })
      .strict()
      .optional(),
    /** Slots shared by every run of the workspace: a stage (or item) with `pool: gpu` waits for one of gpu's. */
    pools: z.record(z.string().regex(POOL_NAME, 'a pool name: letters, digits, _ and -'), z.number().int().min(1).max(1000)).optional(),
  })
  .strict();
export type WorkspaceConfig = z.infer<typeof WorkspaceConfig>;
