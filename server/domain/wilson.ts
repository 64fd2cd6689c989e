/** The Wilson score interval, shared by calibration, alerts and every other rate Review reports with an interval. */

/** z of a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/**
 * Wilson score interval for a proportion (95% by default); null when there is no data. Unlike the normal
 * approximation it stays inside [0, 1] and is honest for small counts: 3 of 3 is [0.44, 1], not [1, 1].
 */
export function wilsonInterval(successes: number, n: number, z = Z95): { low: number; high: number } | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const margin = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - margin), high: Math.min(1, centre + margin) };
}
