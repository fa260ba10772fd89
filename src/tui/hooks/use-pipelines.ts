import { useCallback, useEffect, useState } from 'react';
import { toPipeError } from '../../shared/errors.js';
import { listPipelineNames, loadPipeline } from '../../workspace/pipeline-files.js';
import type { UiAction } from '../ui-state.js';

// The workspace's pipeline names for the picker: loaded at start (so fast typing after `n` finds them) and again
// each time the picker opens.
export function usePipelines(workspace: string, pickerOpen: boolean): string[] {
  const [pipelines, setPipelines] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    void listPipelineNames(workspace).then((list) => live && setPipelines(list.map((p) => p.name)));
    return () => {
      live = false;
    };
  }, [pickerOpen, workspace]);
  return pipelines;
}

// Opens the params form of a picked pipeline (the picker's Tab), prefilled with its defaults; a pipeline that
// cannot be read says why in the footer.
export function useParamsForm(workspace: string, dispatch: (action: UiAction) => void, note: (text: string) => void): (pipeline: string) => void {
  return useCallback(
    (pipeline: string) => {
      void loadPipeline(workspace, pipeline).then(
        ({ spec }) => {
          const fields = Object.entries(spec.params).map(([name, p]) => ({ name, value: p.default === undefined ? '' : String(p.default), description: p.description ?? null }));
          dispatch({ type: 'form', form: { pipeline, fields } });
        },
        (error: unknown) => {
          const e = toPipeError(error);
          note(`${e.code}: ${e.message}`);
        },
      );
    },
    [workspace, dispatch, note],
  );
}
