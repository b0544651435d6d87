/**
 * A server's or library's text quoted inside one of our error lines: control characters and line
 * separators folded to spaces (so the text cannot split the line), cut at `max` characters with the
 * full length said (a server may send a message of megabytes).
 */
export function quoteLine(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex -- the quoted text must not split the error line
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}… (${line.length} characters)` : line;
}
