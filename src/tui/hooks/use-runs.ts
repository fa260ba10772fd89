import { useEffect, useRef, useState } from 'react';
import type { RunMetadata } from '../../shared/metadata-schema.js';
import type { Circuit } from '../../shared/protocol.js';
import { watchRunFolders } from '../disk-watcher.js';
import { FeedClient, type FeedStatus } from '../../client/feed-client.js';
import { type RunEntry, mergeEntries } from '../run-entries.js';

/** Never more frames than this, however fast events arrive. */
export const FRAME_MS = 33;

export type Connection = FeedStatus | 'read-only';

export interface RunsView {
  entries: RunEntry[];
  circuits: Circuit[];
  connection: Connection;
  /** Sends a command to the daemon; null while there is no live connection. */
  client: FeedClient | null;
}

export interface UseRunsOptions {
  workspace: string;
  /** Start a daemon when none answers (the TUI does; tests of read-only mode do not). */
  startDaemon: boolean;
}

// The runs the TUI shows: the daemon's feed (through the shared reducer, in FeedClient) merged with the run
// folders as chokidar sees them. Without a daemon it is the folders alone, read-only. Updates are batched to
// one render per frame at most.
export function useRuns({ workspace, startDaemon }: UseRunsOptions): RunsView {
  const [view, setView] = useState<RunsView>({ entries: [], circuits: [], connection: 'connecting', client: null });
  const feed = useRef<ReadonlyMap<string, RunMetadata>>(new Map());
  const disk = useRef<ReadonlyMap<string, RunEntry>>(new Map());
  const client = useRef<FeedClient | null>(null);
  const connection = useRef<Connection>('connecting');

  useEffect(() => {
    let timer: NodeJS.Timeout | null = null;
    let last = 0;
    const render = (): void => {
      timer = null;
      last = Date.now();
      setView({
        entries: mergeEntries(feed.current, disk.current),
        circuits: client.current?.circuits ?? [],
        connection: connection.current,
        client: connection.current === 'live' ? client.current : null,
      });
    };
    // The first change after a quiet spell renders at once; a burst is folded into one frame per FRAME_MS.
    const publish = (): void => {
      if (timer) return;
      const wait = last + FRAME_MS - Date.now();
      if (wait <= 0) render();
      else timer = setTimeout(render, wait);
    };
    const stopWatching = watchRunFolders(workspace, (entries) => {
      disk.current = entries;
      publish();
    });
    const feedClient = new FeedClient({
      workspace,
      runs: 'all',
      startDaemon,
      onChange: (c) => {
        feed.current = c.runs;
        connection.current = c.status;
        publish();
      },
    });
    client.current = feedClient;
    // No daemon to be had: the folders alone, said in the footer. The client keeps trying in the background.
    const readOnly = setTimeout(() => {
      if (connection.current !== 'live') {
        connection.current = 'read-only';
        publish();
      }
    }, startDaemon ? 6000 : 1000);
    feedClient.start().catch(() => undefined);
    return () => {
      clearTimeout(readOnly);
      if (timer) clearTimeout(timer);
      stopWatching();
      feedClient.close();
    };
  }, [workspace, startDaemon]);

  return view;
}
