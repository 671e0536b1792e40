/** @module Structured JSON log lines with per-run context fields, redacting secret-looking keys and JWT-shaped strings. */
/** Fields every line may carry so one run can be followed across the cron, the DO and its retries. */
export interface LogContext {
  tickId?: string;
  persona?: string;
  runId?: string;
  [field: string]: unknown;
}

export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  child(context: LogContext): Logger;
}

const SECRET_KEYS = /pass(word)?|secret|token|authorization|api[-_]?key|cookie|service[-_]?key/i;
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g;

/** Drops secret-looking fields and JWT-shaped strings, so no log line can leak a credential. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.replace(JWT, "[jwt]");
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1) };
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_KEYS.test(key) ? "[redacted]" : redact(item, depth + 1)]),
  );
}

export function createLogger(context: LogContext = {}, sink: (line: string) => void = console.log): Logger {
  const write = (level: string, event: string, fields?: Record<string, unknown>) =>
    sink(JSON.stringify(redact({ ts: new Date().toISOString(), level, event, ...context, ...fields })));
  return {
    info: (event, fields) => write("info", event, fields),
    warn: (event, fields) => write("warn", event, fields),
    error: (event, fields) => write("error", event, fields),
    child: (extra) => createLogger({ ...context, ...extra }, sink),
  };
}
