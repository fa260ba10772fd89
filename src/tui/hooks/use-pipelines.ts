import { useCallback, useEffect, useState } from 'react';
import { toPipeError } from '../../shared/errors.js';
import { listPipelineNames, loadPipeline } from '../../workspace/pipeline-files.js';
import type { PipelineChoice } from '../components/Picker.js';
import type { UiAction } from '../ui-state.js';

// The workspace's pipelines for the picker: their names loaded at start (so fast typing after `n` finds them) and
// again each time the picker opens, when their files are read for their descriptions too. A file that cannot be
// read says so where its description would be; Tab tells why.
export function usePipelines(workspace: string, pickerOpen: boolean): PipelineChoice[] | null {
  const [pipelines, setPipelines] = useState<PipelineChoice[] | null>(null);
  useEffect(() => {
    let live = true;
    void (async () => {
      const names = (await listPipelineNames(workspace)).map((p) => p.name);
      if (!live) return;
      setPipelines((was) => names.map((name) => ({ name, description: was?.find((p) => p.name === name)?.description ?? null })));
      if (!pickerOpen) return;
      const described = await Promise.all(
        names.map(async (name) => ({ name, description: await loadPipeline(workspace, name).then(({ spec }) => spec.description ?? null, () => '(cannot be read: Tab says why)') })),
      );
      if (live) setPipelines(described);
    })();
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
