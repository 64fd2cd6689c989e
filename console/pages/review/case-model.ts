/** One case as a reviewer reads it (transcript, feedback, classification, trace) and the relabel action. */
import { signal } from '@preact/signals';
import type { CaseDetail } from '../../../shared/review';
import type { FailureMode } from '../../../shared/traces';
import { errorMessage } from '../../api/client';
import { announce } from '../../shell/announcer';
import { sessionEnded } from '../../shell/session';
import { createLoadable } from './loadable';
import { reviewApi } from './review-api';
import { modeLabel } from './review-format';

export function createCaseModel(caseId: string) {
  const detail = createLoadable((id: string) => reviewApi.byId.query({ caseId: id }), 'This case');
  const saving = signal(false);
  const saveError = signal<string | null>(null);

  return {
    detail,
    saving,
    saveError,
    start: () => detail.load(caseId),
    /**
     * Saves the reviewer's failure mode (the automatic one stays) and reads the case again; null takes the
     * reviewer's label away, so that the automatic one counts again.
     */
    async label(mode: FailureMode | null, note: string): Promise<boolean> {
      saving.value = true;
      saveError.value = null;
      try {
        await reviewApi.label.mutate({ caseId, mode, note: mode === null ? undefined : note.trim() || undefined });
        announce(mode === null ? 'Reviewer label removed: the automatic label counts again.' : `Label saved: ${modeLabel(mode)}.`);
        await detail.load(caseId);
        return true;
      } catch (err) {
        if (!sessionEnded(err)) saveError.value = `The label could not be saved: ${errorMessage(err)}`;
        return false;
      } finally {
        saving.value = false;
      }
    },
    dispose: detail.dispose,
  };
}

export type CaseModel = ReturnType<typeof createCaseModel>;
export type { CaseDetail };
