import { useEffect, useState } from 'react';
import { type RunRead, readRunFile } from '../../workspace/run-reader.js';
import type { RunEntry } from '../run-entries.js';

// The selected run's whole state (its stages, entities, error) when the list holds its listing alone: read from its
// metadata.json when it is selected, and again when its listing changes (seq or status). A live run's state comes
// with its entry (the feed, a followed folder): nothing is read for it. So a finished run costs one small read when
// looked at, and the list of 100 000 holds listings only.
export function useRunDetail(workspace: string, entry: RunEntry | null): RunRead | null {
  const wanted = entry?.ok && !entry.run ? entry.listing : null;
  const key = wanted ? `${wanted.run_id}\n${wanted.seq}\n${wanted.status}` : null;
  const [read, setRead] = useState<{ key: string; runId: string; read: RunRead } | null>(null);
  useEffect(() => {
    if (!key || !wanted) return;
    let live = true;
    const runId = wanted.run_id;
    void readRunFile(workspace, runId).then((file) => live && setRead({ key, runId, read: file.read }));
    return () => {
      live = false;
    };
    // `key` says all of `wanted` that matters: a new listing object with the same seq and status reads nothing.
  }, [workspace, key]);
  if (!wanted || !read) return null;
  // The run's previous state shows until its new one is read; another run's never does.
  return read.runId === wanted.run_id ? read.read : null;
}
