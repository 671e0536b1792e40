/**
 * @module
 * Token estimate used for all usage numbers: ceil(characters / 4) of the JSON of each block (tool, system
 * block, content block). Real tokenizers land near four characters per token for English and JSON, a bit
 * lower for German; what matters here is that the numbers are stable and scale with the prompt.
 */
export function estimateTokens(block: unknown): number {
  return tokensOfJson(JSON.stringify(block));
}

/** The same estimate for a block already serialized. */
export function tokensOfJson(json: string): number {
  return Math.ceil(json.length / 4);
}
