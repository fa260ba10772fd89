import * as z from 'zod';

// `pipe-tui.yaml` at the workspace's root: settings of the workspace itself (not of a pipeline). Optional.
const Days = z.number().positive().max(36_500);

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
  })
  .strict();
export type WorkspaceConfig = z.infer<typeof WorkspaceConfig>;
