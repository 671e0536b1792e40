/** @module How a route names what was wrong with its query: each parameter with its problem. */
import type { z } from "zod";

export function problems(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
}
