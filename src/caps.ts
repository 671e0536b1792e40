/**
 * @module
 * Limits on what upstream text may put into the model and into storage, and the one way text is cut: with a
 * marker that says how much went missing, so neither the model nor an operator mistakes a cut for the whole.
 */

/** A tool result as the model and the transcript see it; verification's own reads are judged on their full text. */
export const TOOL_RESULT_MAX_CHARS = 16_000;
/** A persona's system prompt; it is part of every request, so its size is paid on every turn. */
export const SYSTEM_PROMPT_MAX_CHARS = 32_000;
/** One text block of a model answer, and the rating reply as stored (max_tokens keeps real ones far below). */
export const MODEL_TEXT_MAX_CHARS = 16_000;
/** A tool_use input larger than this is not executed: a call no real persona would make. */
export const TOOL_INPUT_MAX_CHARS = 16_000;
/** mana-auth stores these in action rows (its primary key keeps only 255 characters: tickId, index, tool). */
export const ERROR_MESSAGE_MAX_CHARS = 500;
export const TOOL_NAME_MAX_CHARS = 128;

const encoder = new TextEncoder();

/** Cuts `text` to at most `max` characters plus a marker naming the size cut off; never splits a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…[truncated: ${formatBytes(utf8Length(text.slice(end)))}]`;
}

export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
