import { useCallback } from 'react';
import { toPipeError } from '../../shared/errors.js';
import type { Command } from '../../shared/protocol.js';
import type { FeedClient } from '../../client/feed-client.js';

// Sends a command to the daemon and turns the answer into one line for the footer.
export function useCommands(client: FeedClient | null, note: (text: string) => void) {
  return useCallback(
    (body: Command, done: string) => {
      const connection = client?.connection;
      if (!connection) {
        note('read-only: no daemon connection, so no commands (pipe-tui daemon start)');
        return;
      }
      connection.request(body).then(
        (result) => note(`${done}: ${result.run_id}`),
        (error: unknown) => {
          const e = toPipeError(error);
          note(`${e.code}: ${e.message}`);
        },
      );
    },
    [client, note],
  );
}
