/** The site picker and the time range (24 h, 7 d, 30 d, or custom UTC days); every change goes to the URL. */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { RANGES, type RangeId, type ReviewQuery, utcDay } from './review-query';

interface Props {
  q: ReviewQuery;
  sites: { id: string; name: string }[];
  onChange: (next: ReviewQuery) => void;
}

export function RangeControls({ q, sites, onChange }: Props) {
  const custom = useSignal(q.range === 'custom');
  const today = utcDay(new Date());
  const weekAgo = utcDay(new Date(Date.now() - 6 * 24 * 3600_000));
  const from = useSignal(q.from ?? weekAgo);
  const to = useSignal(q.to ?? today);
  useEffect(() => {
    custom.value = q.range === 'custom';
    if (q.from) from.value = q.from;
    if (q.to) to.value = q.to;
  }, [q.range, q.from, q.to]);

  const onRange = (id: RangeId) => {
    if (id === 'custom') custom.value = true;
    else {
      custom.value = false;
      onChange({ ...q, range: id, from: null, to: null });
    }
  };

  return (
    <form
      class="range-controls"
      aria-label="Review scope"
      onSubmit={(e) => {
        e.preventDefault();
        if (from.value && to.value && from.value <= to.value) onChange({ ...q, range: 'custom', from: from.value, to: to.value });
      }}
    >
      <div class="field">
        <label for="review-site">Site</label>
        <select
          id="review-site"
          value={q.site ?? ''}
          onChange={(e) => {
            // Topics, releases and models belong to a site: those filters do not carry over.
            const { topic: _t, release: _r, model: _m, ...rest } = q.filters;
            onChange({ ...q, site: e.currentTarget.value, filters: rest });
          }}
        >
          {sites.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="review-range">Time range</label>
        <select id="review-range" value={custom.value ? 'custom' : q.range} onChange={(e) => onRange(e.currentTarget.value as RangeId)}>
          {RANGES.map((r) => (
            <option key={r.id} value={r.id}>
              {r.label}
            </option>
          ))}
        </select>
      </div>
      {custom.value && (
        <>
          <div class="field">
            <label for="review-from">From (UTC day)</label>
            <input id="review-from" type="date" value={from.value} max={to.value} required onInput={(e) => (from.value = e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="review-to">To (UTC day, included)</label>
            <input id="review-to" type="date" value={to.value} min={from.value} required onInput={(e) => (to.value = e.currentTarget.value)} />
          </div>
          <button type="submit">Apply</button>
        </>
      )}
    </form>
  );
}
