import { useCallback } from 'react';
import { toPipeError } from '../../shared/errors.js';
import type { Command } from '../../shared/protocol.js';
import type { DaemonConnection } from '../../client/daemon-connection.js';
import type { Runs } from './use-runs.js';
import type { UiAction } from '../ui-state.js';

export type Send = (body: Command, done: string, select?: boolean) => void;

// Sends a command to the daemon and turns the answer into one line for the footer. Without a live feed the command
// is what asks for a daemon: one is started for it (unless this TUI may start none). A run it makes is selected
// once it is listed.
export function useCommands(runs: Runs, mayStart: boolean, note: (text: string) => void, dispatch: (action: UiAction) => void): Send {
  const live = runs.client?.connection ?? null;
  const { wake } = runs;
  return useCallback(
    (body, done, select = false) => {
      if (!live && !mayStart) {
        note('read-only: no daemon connection, so no commands (pipe-tui daemon start)');
        return;
      }
      if (!live) note('starting the daemon for it');
      const reach: Promise<{ connection: DaemonConnection; own: boolean }> = live ? Promise.resolve({ connection: live, own: false }) : wake().then((connection) => ({ connection, own: true }));
      reach
        .then(({ connection, own }) => connection.request(body).finally(() => own && connection.close()))
        .then(
          (result) => {
            note(`${done}: ${result.run_id}`);
            if (select) dispatch({ type: 'await', id: result.run_id });
          },
          (error: unknown) => {
            const e = toPipeError(error);
            note(`${e.code}: ${e.message}`);
          },
        );
    },
    [live, mayStart, wake, note, dispatch],
  );
}

/** D: the daemon started on request, whatever stopped it. */
export function useStartDaemon(runs: Runs, note: (text: string) => void): () => void {
  const { wake } = runs;
  return useCallback(() => {
    note('starting the daemon');
    wake().then(
      (connection) => {
        connection.close();
        note('daemon started');
      },
      (error: unknown) => {
        const e = toPipeError(error);
        note(`${e.code}: ${e.message}`);
      },
    );
  }, [wake, note]);
}
