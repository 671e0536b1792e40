/**
 * @module
 * The statistics findings are judged with: Wilson score bounds of a failure share (so a share of a few calls
 * counts for less than the same share of many), and latency percentiles from compact log-scale histograms.
 */

/** 95 % two-sided: a share must be this sure before it opens a finding. */
const Z = 1.96;

/** The Wilson score interval of `failures` in `trials` (Wilson 1927): [lower, upper], both within 0..1. */
export function wilson(failures: number, trials: number, z = Z): { lower: number; upper: number } {
  if (trials <= 0) return { lower: 0, upper: 1 };
  const p = failures / trials;
  const z2 = z * z;
  const centre = p + z2 / (2 * trials);
  const spread = z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  const denominator = 1 + z2 / trials;
  return { lower: Math.max(0, (centre - spread) / denominator), upper: Math.min(1, (centre + spread) / denominator) };
}

/**
 * Latencies bucketed on a log scale (each bucket 25 % wider than the one before, from 1 ms up to about 50 minutes),
 * so an hour of a tool's calls is a few dozen numbers, and percentiles come back within an eighth of their value.
 */
export type Histogram = Record<number, number>;

const GROWTH = 1.25;
const LOG_GROWTH = Math.log(GROWTH);

export function bucketOf(ms: number): number {
  return Math.max(0, Math.floor(Math.log(Math.max(1, ms)) / LOG_GROWTH));
}

/** The middle of a bucket, the value a percentile reports. */
function valueOf(bucket: number): number {
  return Math.round(GROWTH ** (bucket + 0.5));
}

export function histogramOf(latencies: readonly number[]): Histogram {
  const histogram: Histogram = {};
  for (const ms of latencies) histogram[bucketOf(ms)] = (histogram[bucketOf(ms)] ?? 0) + 1;
  return histogram;
}

export function mergeHistograms(histograms: readonly Histogram[]): Histogram {
  const merged: Histogram = {};
  for (const histogram of histograms) for (const [bucket, count] of Object.entries(histogram)) merged[Number(bucket)] = (merged[Number(bucket)] ?? 0) + count;
  return merged;
}

export function countOf(histogram: Histogram): number {
  return Object.values(histogram).reduce((sum, count) => sum + count, 0);
}

/** The q-th quantile (0..1) of a histogram; undefined when it is empty. */
export function quantile(histogram: Histogram, q: number): number | undefined {
  const total = countOf(histogram);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const bucket of Object.keys(histogram).map(Number).sort((a, b) => a - b)) {
    seen += histogram[bucket] ?? 0;
    if (seen >= rank) return valueOf(bucket);
  }
  return undefined;
}

/** The q-th quantile of raw samples (nearest rank). */
export function sampleQuantile(samples: readonly number[], q: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
