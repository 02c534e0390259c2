/**
 * `Retry-After` (RFC 9110 §10.2.3) in milliseconds from `nowMs`: either delta-seconds (Kong sends
 * `min(remaining lock TTL, 10)`, which can be fractional) or an HTTP-date (proxies and load
 * balancers in front of Kong send those). A date in the past is 0; anything else is undefined, so
 * the caller falls back to its own delay instead of computing with NaN.
 */
export function parseRetryAfter(
  value: string | readonly string[] | undefined,
  nowMs: number,
): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Only the date forms of RFC 9110 (IMF-fixdate, RFC 850, asctime): each names a weekday.
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
