/** @module The stand-in webhook's answer modes (ok, fail with a status, hang) as PUT /__stack/webhook/mode takes them. */
import { z } from "zod";

/** Body of PUT /__stack/webhook/mode: how the receiver answers what arrives from now on. */
export const modeInput = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("ok") }),
  z.strictObject({ mode: z.literal("fail"), status: z.int().min(400).max(599).default(500) }),
  z.strictObject({ mode: z.literal("hang") }),
]);

export type Mode = z.output<typeof modeInput>;
