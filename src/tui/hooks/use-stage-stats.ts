import { useEffect, useState } from 'react';
import { HistoryIndex } from '../../workspace/history-index.js';
import { type StageStats, stageStats } from '../../shared/stage-stats.js';

// Each stage's record from the history index, loaded when the stats view opens (null until then, or without one).
export function useStageStats(workspace: string, pipeline: string | null, stages: string[], open: boolean): Map<string, StageStats> | null {
  const [stats, setStats] = useState<Map<string, StageStats> | null>(null);
  const key = stages.join('\n');
  useEffect(() => {
    if (!open || !pipeline) return;
    let live = true;
    void HistoryIndex.open(workspace)
      .then((history) => {
        if (live) setStats(new Map(key.split('\n').map((id) => [id, stageStats(id, history.records(pipeline, id))])));
      })
      .catch(() => live && setStats(new Map()));
    return () => {
      live = false;
    };
  }, [workspace, pipeline, key, open]);
  return open ? stats : null;
}
