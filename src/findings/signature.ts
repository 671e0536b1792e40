/**
 * @module
 * An error message reduced to its shape: ids, uuids, numbers and timestamps stripped, so fifty runs' failures
 * of one kind count as one signature.
 */

const SIGNATURE_MAX_CHARS = 200;

const RULES: [RegExp, string][] = [
  [/\b\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?/g, "<time>"],
  [/\b\d{4}-\d\d-\d\d\b/g, "<date>"],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>"],
  [/\beyJ[\w-]+\.[\w-]+\.[\w-]+/g, "<jwt>"],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, "<id>"],
  // Mixed tokens of six or more letters and digits (req_01HX2Y3); short ones (v1, utf8) are words.
  [/\b(?=\w{6,}\b)(?=\w*\d)(?=\w*[A-Za-z])\w+\b/g, "<id>"],
  // Three-digit numbers from 100 to 599 stay: they are mostly HTTP statuses, which tell failures apart.
  [/\b(?![1-5]\d\d\b)\d+(\.\d+)?\b/g, "<n>"],
];

export function signatureOf(message: string): string {
  let text = message.replace(/\s+/g, " ").trim();
  for (const [pattern, placeholder] of RULES) text = text.replace(pattern, placeholder);
  return text.length > SIGNATURE_MAX_CHARS ? `${text.slice(0, SIGNATURE_MAX_CHARS)}…` : text;
}
