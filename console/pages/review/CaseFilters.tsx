/**
 * The case list's filters. Each is a select whose change goes to the URL at once; topic, release and model
 * offer the values seen on the site's cases (`review.filters`).
 */
import type { FilterOptions } from '../../../shared/review';
import { FAILURE_MODES } from '../../../shared/traces';
import { BANDS, FILTER_KEYS, LABELS, RATINGS, type CaseFilters as Filters } from './review-query';

interface Props {
  filters: Filters;
  options: FilterOptions | null;
  onChange: (next: Filters) => void;
}

type Choice = { id: string; label: string };

/** One filter as a select with "Any" first; `idPrefix` keeps ids apart where another section has the same filter. */
export function FilterSelect({ name, label, value, choices, onPick, idPrefix = 'filter' }: { name: string; label: string; value: string | undefined; choices: readonly Choice[]; onPick: (v: string | undefined) => void; idPrefix?: string }) {
  // A value from the URL that the menu does not list (yet) is still shown as chosen.
  const all = value && !choices.some((c) => c.id === value) ? [...choices, { id: value, label: value }] : choices;
  return (
    <div class="filter-field">
      <label for={`${idPrefix}-${name}`}>{label}</label>
      <select id={`${idPrefix}-${name}`} name={name} value={value ?? ''} onChange={(e) => onPick(e.currentTarget.value || undefined)}>
        <option value="">Any</option>
        {all.map((c) => (
          <option key={c.id} value={c.id}>
            {c.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export const asChoices = (values: string[] | undefined): Choice[] => (values ?? []).map((v) => ({ id: v, label: v }));

/** The filter menus' load error, with "Try again": until they load, topic, release and model offer only "Any". */
export function MenusError({ error, retry }: { error: string | null; retry: () => void }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <p>{error} Until they load, the menus of values seen on the site offer only "Any".</p>
      <button type="button" onClick={retry}>
        Try again
      </button>
    </div>
  );
}

export function CaseFilters({ filters, options, onChange }: Props) {
  const set = (key: keyof Filters) => (v: string | undefined) => {
    const next = { ...filters, [key]: v } as Filters;
    if (v === undefined) delete next[key];
    onChange(next);
  };
  const active = FILTER_KEYS.some((k) => filters[k] !== undefined);
  return (
    <fieldset class="case-filters">
      <legend>Filter cases</legend>
      <FilterSelect name="mode" label="Failure mode" value={filters.mode} choices={FAILURE_MODES} onPick={set('mode')} />
      <FilterSelect name="rating" label="Rating" value={filters.rating} choices={RATINGS} onPick={set('rating')} />
      <FilterSelect name="band" label="Confidence" value={filters.band} choices={BANDS} onPick={set('band')} />
      <FilterSelect name="topic" label="Topic" value={filters.topic} choices={asChoices(options?.topics)} onPick={set('topic')} />
      <FilterSelect name="release" label="Release" value={filters.release} choices={asChoices(options?.releases)} onPick={set('release')} />
      <FilterSelect name="model" label="Model" value={filters.model} choices={asChoices(options?.models)} onPick={set('model')} />
      <FilterSelect
        name="escalated"
        label="Escalated"
        value={filters.escalated}
        choices={[
          { id: 'yes', label: 'Escalated' },
          { id: 'no', label: 'Not escalated' },
        ]}
        onPick={set('escalated')}
      />
      <FilterSelect name="label" label="Label source" value={filters.label} choices={LABELS} onPick={set('label')} />
      {active && (
        <button type="button" class="secondary" onClick={() => onChange({})}>
          Clear filters
        </button>
      )}
    </fieldset>
  );
}
