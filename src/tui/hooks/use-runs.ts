import { useCallback, useEffect, useRef, useState } from 'react';
import type { Circuit } from '../../shared/protocol.js';
import type { DaemonConnection } from '../../client/daemon-connection.js';
import { ensureDaemon } from '../../client/daemon-launcher.js';
import { FeedClient, type FeedStatus } from '../../client/feed-client.js';
import { stoppedMark } from '../../workspace/daemon-stopped.js';
import { listPipelineNames } from '../../workspace/pipeline-files.js';
import { type ListedEntry, liveEntries } from '../run-entries.js';
import { RunRows } from '../run-rows.js';
import { type RunSource, type RunSourceState, watchRuns } from '../run-source.js';

/** Never more frames than this, however fast events arrive. */
export const FRAME_MS = 33;

/**
 * How the TUI gets its runs: the feed's own states, `read-only` when no daemon could be had, `idle` when none was
 * started because nothing asked for one yet (a workspace without pipelines), `stopped` when one was stopped on purpose.
 */
export type Connection = FeedStatus | 'read-only' | 'idle' | 'stopped';

export interface RunsView {
  /** The runs on disk (the index, and the folders of the runs it cannot tell), newest first. */
  base: RunRows;
  /** The feed's runs, newest first: laid over `base` where newer (selectors.ts listRuns). */
  live: readonly ListedEntry[];
  /** Runs whose state may still change: the feed's and those followed in their folders (the bell watches these). */
  moving: readonly string[];
  /** Said in the footer while no runs index is there and the daemon rebuilds it. */
  notice: string | null;
  circuits: Circuit[];
  connection: Connection;
  /** Sends a command to the daemon; null while there is no live connection. */
  client: FeedClient | null;
}

export interface Runs extends RunsView {
  /** Starts the daemon because the user asked for work (a run, D): a connection to it, the feed following at once. */
  wake: () => Promise<DaemonConnection>;
}

export interface UseRunsOptions {
  workspace: string;
  /** Start a daemon when none answers (the TUI does; tests of read-only mode do not). */
  startDaemon: boolean;
}

const EMPTY: RunSourceState = { entries: RunRows.empty, moving: [], complete: false, indexed: true };

// The runs the TUI shows: the daemon's feed (through the shared reducer, in FeedClient) and the runs on disk
// (run-source.ts: the runs index, and the folders of the runs it cannot tell), each kept as it is and laid over the
// other per frame by the selectors. Without a daemon it is the disk alone. Updates are batched to one render per
// frame at most. A daemon is started by the feed when none answers, except in a workspace with nothing to run yet
// (no daemon until the user starts a run) and after `daemon stop` (the launcher leaves that one stopped).
export function useRuns({ workspace, startDaemon }: UseRunsOptions): Runs {
  const [view, setView] = useState<RunsView>({ base: RunRows.empty, live: [], moving: [], notice: null, circuits: [], connection: 'connecting', client: null });
  // Nothing to run yet (no pipelines): no daemon until the user asks for one. Null until the folder is read.
  const [lazy, setLazy] = useState<boolean | null>(null);
  const [generation, setGeneration] = useState(0);
  const live = useRef<{ entries: readonly ListedEntry[]; ids: readonly string[] }>({ entries: [], ids: [] });
  const disk = useRef<RunSourceState>(EMPTY);
  const source = useRef<RunSource | null>(null);
  const client = useRef<FeedClient | null>(null);
  const status = useRef<FeedStatus>('connecting');
  const readOnly = useRef(false);
  const auto = startDaemon && lazy === false;
  const moving = useRef<{ disk: readonly string[]; live: readonly string[]; both: readonly string[] }>({ disk: [], live: [], both: [] });
  const publish = usePublisher(() => {
    const connection = connectionOf(status.current, readOnly.current, lazy, startDaemon, workspace);
    const m = moving.current;
    if (m.disk !== disk.current.moving || m.live !== live.current.ids) {
      moving.current = { disk: disk.current.moving, live: live.current.ids, both: [...disk.current.moving, ...live.current.ids] };
    }
    // No index where there are runs (an older workspace): a daemon rebuilds it in the background.
    const rebuilding = !disk.current.indexed && disk.current.entries.length > 0 && connection === 'live';
    const notice = rebuilding ? 'the daemon is rebuilding the runs index: runs listed from their folders meanwhile' : null;
    return { base: disk.current.entries, live: live.current.entries, moving: moving.current.both, notice, circuits: client.current?.circuits ?? [], connection, client: connection === 'live' ? client.current : null };
  }, setView);

  useEffect(() => {
    const runs = watchRuns(workspace, (state) => {
      disk.current = state;
      publish();
    });
    source.current = runs;
    return () => {
      source.current = null;
      runs.close();
    };
  }, [workspace, publish]);

  useEffect(() => {
    let live = true;
    void listPipelineNames(workspace).then((names) => live && setLazy((was) => was ?? names.length === 0));
    return () => {
      live = false;
    };
  }, [workspace]);

  useEffect(() => {
    if (lazy === null) return;
    readOnly.current = false;
    const feedClient = new FeedClient({
      workspace,
      runs: 'all',
      startDaemon: auto,
      onChange: (c) => {
        // The feed's runs are few (those live while this TUI watches): made into entries afresh on each change.
        const entries = liveEntries(c.runs);
        live.current = { entries, ids: entries.map((e) => e.listing.run_id) };
        status.current = c.status;
        // While the feed is live its runs are not followed in their folders; when it is not, they are.
        source.current?.setLive(c.status === 'live' ? live.current.ids : []);
        publish();
      },
    });
    client.current = feedClient;
    // No daemon to be had: the folders alone, said in the footer. The client keeps trying in the background.
    const timer = setTimeout(() => {
      if (status.current !== 'live') {
        readOnly.current = true;
        publish();
      }
    }, auto ? 6000 : 1000);
    feedClient.start().catch(() => undefined);
    return () => {
      clearTimeout(timer);
      feedClient.close();
    };
  }, [workspace, auto, lazy, generation, publish]);

  const wake = useCallback(async (): Promise<DaemonConnection> => {
    const connection = await ensureDaemon(workspace, { start: 'explicit' });
    // A fresh feed client connects at once, where the current one may be waiting out its backoff.
    setLazy(false);
    setGeneration((n) => n + 1);
    return connection;
  }, [workspace]);

  return { ...view, wake };
}

function connectionOf(status: FeedStatus, readOnly: boolean, lazy: boolean | null, startDaemon: boolean, workspace: string): Connection {
  if (status === 'live') return 'live';
  if (startDaemon && stoppedMark(workspace)) return 'stopped';
  if (startDaemon && lazy) return 'idle';
  return readOnly ? 'read-only' : status;
}

// The first change after a quiet spell renders at once; a burst is folded into one frame per FRAME_MS.
function usePublisher(compose: () => RunsView, set: (view: RunsView) => void): () => void {
  const latest = useRef(compose);
  latest.current = compose;
  const state = useRef<{ timer: NodeJS.Timeout | null; last: number }>({ timer: null, last: 0 });
  useEffect(() => () => {
    if (state.current.timer) clearTimeout(state.current.timer);
  }, []);
  return useCallback(() => {
    const s = state.current;
    if (s.timer) return;
    const render = (): void => {
      s.timer = null;
      s.last = Date.now();
      set(latest.current());
    };
    const wait = s.last + FRAME_MS - Date.now();
    if (wait <= 0) render();
    else s.timer = setTimeout(render, wait);
  }, [set]);
}
