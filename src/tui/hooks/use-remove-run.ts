import { useCallback } from 'react';
import { toPipeError } from '../../shared/errors.js';
import { checkRemovable, removeRun } from '../../workspace/run-removal.js';

// `d` then `y`: a finished run's folder removed, as `pipe-tui rm` does (a live run is refused there, and again at the
// moment of removal); the footer says what happened. The folder watcher then drops the run from the list.
export function useRemoveRun(workspace: string, note: (text: string) => void): (runId: string) => void {
  return useCallback(
    (runId: string) => {
      void checkRemovable(workspace, runId)
        .then(() => removeRun(workspace, runId))
        .then(
          () => note(`deleted run ${runId}`),
          (error: unknown) => {
            const e = toPipeError(error);
            note(`${e.code}: ${e.message}`);
          },
        );
    },
    [workspace, note],
  );
}
