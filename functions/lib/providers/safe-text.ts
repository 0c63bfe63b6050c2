/**
 * Text from a payload made safe to show: in a one-line reason, a log line or a terminal.
 */

/** Makes a header or payload value safe to put in a one-line reason (no control chars, bounded). */
export function printable(value: unknown, max = 80): string {
  const s = typeof value === 'string' ? value : String(value);
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
