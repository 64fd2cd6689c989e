import { cleanText } from '../shared/normalise';

/** The page a signal was sent from, without query or fragment (they often carry personal data). */
export function pageUrl(): string | undefined {
  try {
    return cleanText((location.origin + location.pathname).slice(0, 2000));
  } catch {
    return undefined;
  }
}
